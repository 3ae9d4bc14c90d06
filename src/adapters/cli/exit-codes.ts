/** The contract's exit statuses. */
export const EXIT = { decided: 0, rejected: 1, misuse: 2 } as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
