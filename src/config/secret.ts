/**
 * A secret value (a password, a key's passphrase): it shows as "[hidden]"
 * wherever it is printed, logged or serialised (String, JSON, util.inspect),
 * so a config or a settings object that reaches a log line or an error
 * message never carries it. Only `reveal()` gives the value, at the one place
 * that hands it to a client library.
 */
import { inspect } from 'node:util';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[hidden]';
  }

  toJSON(): string {
    return '[hidden]';
  }

  [inspect.custom](): string {
    return 'Secret([hidden])';
  }
}
