import { NetwatchError } from '../shared/errors.js';

/** A configuration that cannot be used. `problems` holds one readable line each, naming the key path. */
export class ConfigError extends NetwatchError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[], code: 'config_invalid' | 'config_missing' | 'credentials_missing' = 'config_invalid') {
    super(code, problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
