export function Select(props: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  options: readonly (readonly [string, string])[];
  name?: string;
}) {
  return (
    <label>
      {props.label}
      <select value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        {props.options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Today on the user's own calendar (not UTC's, which in US evenings is already tomorrow). */
function today(): string {
  const d = new Date();
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

/** The request fields the Check and Compare pages start from. */
export function defaultRequest() {
  return {
    drug: 'ketamine',
    route: 'intravenous',
    lineOfBusiness: 'commercial',
    setting: 'outpatient',
    dateOfService: today(),
  };
}
