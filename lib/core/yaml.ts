// Serialization shared by the renderer and the components' own YAML files (no other imports, so
// any component can use it without a cycle through the component registry).
import { stringify } from 'yaml';

/** First line of every generated YAML (or other '#'-comment) file. */
export const generatedHeader = (cluster: string, comment = '#'): string =>
  `${comment} Generated from clusters/${cluster}.yaml by \`npm run synth\`. Do not edit.\n`;

/** Deterministic YAML: no line folding, no anchors for repeated objects. */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}
