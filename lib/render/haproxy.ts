// The syntax of haproxy.cfg as a typed model (sections holding directives) and its deterministic
// renderer. Values are data, never text spliced into a template.

/** An anonymous ACL, rendered in braces: `{ path /metrics }`. */
export interface InlineAcl {
  acl: (string | number)[];
}

export type Arg = string | number | InlineAcl;

export interface Directive {
  keyword: string;
  args: Arg[];
}

export type SectionKind = 'global' | 'defaults' | 'resolvers' | 'frontend' | 'backend';

export interface Section {
  kind: SectionKind;
  /** Required for everything but global and (optionally) defaults. */
  name?: string;
  /** Why the section exists, rendered as a comment above it. */
  comment?: string;
  directives: Directive[];
}

/** A directive: `directive('timeout', 'connect', formatSeconds(5))`. */
export const directive = (keyword: string, ...args: Arg[]): Directive => ({ keyword, args });

export const formatSeconds = (n: number): string => `${n}s`;
export const formatMinutes = (n: number): string => `${n}m`;

export const inlineAcl = (...acl: (string | number)[]): InlineAcl => ({ acl });

function word(a: string | number): string {
  const s = String(a);
  // the model never quotes: refuse what would need it rather than emit a broken line
  if (!/^[^\s#"'\\{}]+$/.test(s)) throw new Error(`haproxy word needs quoting, not supported: ${JSON.stringify(s)}`);
  return s;
}

const renderArg = (a: Arg): string => (typeof a === 'object' ? `{ ${a.acl.map(word).join(' ')} }` : word(a));

export function renderSection(section: Section): string {
  if (section.kind !== 'global' && section.kind !== 'defaults' && !section.name) throw new Error(`haproxy ${section.kind} section needs a name`);
  const lines = section.comment ? section.comment.split('\n').map((l) => `# ${l}`) : [];
  lines.push(section.name ? `${section.kind} ${section.name}` : section.kind);
  for (const d of section.directives) lines.push(`    ${[d.keyword, ...d.args.map(renderArg)].join(' ')}`);
  return lines.join('\n');
}

/** The whole file: an optional header comment, then sections separated by blank lines. */
export function renderConfig(sections: Section[], header = ''): string {
  return header + sections.map(renderSection).join('\n\n') + '\n';
}
