import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { parse } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

interface FamilyEntry {
  id: string;
  label: string;
  parent?: string;
  codes?: { match: string }[];
}

/**
 * `virtual:valuesets`: the indication families of policies/valuesets/indications.yaml (id, label,
 * parent, code matches), the drugs of drugs.yaml and the bases of bases.yaml (id, label), so the compare matrix follows the value sets
 * rather than a list of our own.
 */
function valueSets(): Plugin {
  const dir = join(root, 'policies', 'valuesets');
  const id = 'virtual:valuesets';
  return {
    name: 'medpolicy-valuesets',
    resolveId: (source) => (source === id ? '\0' + id : undefined),
    load(resolved) {
      if (resolved !== '\0' + id) return undefined;
      const read = <T>(name: string): T => {
        this.addWatchFile(join(dir, name));
        return parse(readFileSync(join(dir, name), 'utf8')) as T;
      };
      const families = read<{ families: FamilyEntry[] }>('indications.yaml').families.map((f) => ({
        id: f.id,
        label: f.label,
        parent: f.parent,
        codes: (f.codes ?? []).map((c) => c.match),
      }));
      const drugs = read<{ drugs: { id: string; label: string }[] }>('drugs.yaml').drugs.map(
        (d) => ({ id: d.id, label: d.label }),
      );
      const bases = read<{ bases: { id: string; label: string }[] }>('bases.yaml').bases.map(
        (b) => ({ id: b.id, label: b.label }),
      );
      return `export const families = ${JSON.stringify(families)};\nexport const drugs = ${JSON.stringify(drugs)};\nexport const bases = ${JSON.stringify(bases)};`;
    },
  };
}

export default defineConfig({
  root: here,
  base: '/',
  plugins: [valueSets()],
  // Everything is bundled: no CDN, no web fonts, nothing fetched but the service's own API.
  build: {
    outDir: join(root, 'dist', 'web'),
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    sourcemap: true,
    target: 'es2022',
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080' } },
});
