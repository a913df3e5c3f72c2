/**
 * `${VAR}` and `${VAR:-fallback}` substitution over parsed YAML. Substitution
 * runs on string values after parsing, so an environment value can never
 * change the document's structure.
 */

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}$/;

export interface SubstitutionResult {
  value: unknown;
  /** Dotted paths (array indexes as numbers) whose value was exactly one `${VAR}` reference. */
  fromEnvironment: Set<string>;
  /** Variables referenced but unset and without a fallback; they became empty strings. */
  unset: Array<{ path: string; name: string }>;
}

/** Pure; never throws. */
export function substituteEnv(
  input: unknown,
  env: NodeJS.ProcessEnv,
  /** Paths whose value stays a string even when it looks like a number (secrets). */
  keepString: (path: string) => boolean = () => false,
): SubstitutionResult {
  const fromEnvironment = new Set<string>();
  const unset: Array<{ path: string; name: string }> = [];

  const visit = (node: unknown, path: string): unknown => {
    if (typeof node === 'string') {
      const whole = WHOLE_REFERENCE.test(node);
      if (whole) fromEnvironment.add(path);
      const replaced = node.replace(REFERENCE, (_match, name: string, fallback: string | undefined) => {
        const value = env[name];
        if (value !== undefined && value !== '') return value;
        if (fallback !== undefined) return fallback;
        unset.push({ path, name });
        return '';
      });
      // `port: ${PORT}` should read as the number YAML would have given for a literal.
      if (whole && !keepString(path)) return typedScalar(replaced);
      return replaced;
    }
    if (Array.isArray(node)) return node.map((item, index) => visit(item, joinPath(path, index)));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, visit(value, joinPath(path, key))]));
    }
    return node;
  };

  return { value: visit(input, ''), fromEnvironment, unset };
}

export function joinPath(parent: string, key: string | number): string {
  return parent === '' ? String(key) : `${parent}.${key}`;
}

function typedScalar(text: string): string | number | boolean {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}
