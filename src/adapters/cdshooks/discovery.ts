// GET {base}/cds-services: the CDS Hooks discovery document, generated from SERVICES.
import { SERVICES, SUPPORTED_CRD_VERSIONS } from './services.js';

export interface DiscoveryDocument {
  services: {
    hook: string;
    id: string;
    title: string;
    description: string;
    prefetch: Record<string, string>;
    extension: {
      'davinci-crd.version': string[];
      'davinci-crd.configuration-options': unknown[];
    };
  }[];
}

export function discoveryDocument(): DiscoveryDocument {
  return {
    services: SERVICES.map((s) => ({
      hook: s.hook,
      id: s.id,
      title: s.title,
      description: s.description,
      prefetch: { ...s.prefetch },
      extension: {
        'davinci-crd.version': [...SUPPORTED_CRD_VERSIONS],
        'davinci-crd.configuration-options': s.configurationOptions.map((o) => ({ ...o })),
      },
    })),
  };
}
