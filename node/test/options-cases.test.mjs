// The shared table of option cases (tests/cases/options.json) through the package's public
// API: each case's options given to the class it names, in the package's spelling (`clientId`,
// durations as `…Ms`), and its outcome checked: a ConfigError whose message contains the
// expected text (its option names spelled the same way), or an object whose util.inspect shows
// the expected values. No error and nothing shown ever contains a `never_shown` value. The
// Rust tests, pytest and JUnit run the same table.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { test } from 'node:test';

import { AzureCredential, AzureOnBehalfOf, ConfigError, Credential, UserExchanger, sources } from '../index.js';

const table = JSON.parse(readFileSync(new URL('../../tests/cases/options.json', import.meta.url), 'utf8'));

/** The options the table gives in seconds and the package takes in milliseconds (`…Ms`). */
const IN_MILLISECONDS = new Set([
  'connect_timeout',
  'request_timeout',
  'initial_backoff',
  'max_backoff',
  'total_budget',
  'negative_cache',
  'expiry_leeway',
  'timeout',
]);

/** The package's name of the canonical option `name`: camelCase, `…Ms` for a duration. */
function spelled(name) {
  const camel = name.replace(/_([a-z0-9])/g, (_, letter) => letter.toUpperCase());
  return IN_MILLISECONDS.has(name) ? `${camel}Ms` : camel;
}

/** `text` with the option names it quotes in backticks spelled as the package spells them. */
function respelled(text) {
  return text.replace(/`([a-z][a-z0-9_]*)`/g, (_, name) => `\`${spelled(name)}\``);
}

/** The source a case names: `{ fixed: jwt }`, `{ env_var: name }`, `{ command: [program, …args] }`, … */
function sourceOf(spec) {
  const [[kind, value]] = Object.entries(spec);
  switch (kind) {
    case 'fixed':
      return new sources.Fixed(value);
    case 'env_var':
      return new sources.EnvVar(value);
    case 'file':
      return new sources.File(value);
    case 'command':
      return new sources.Command(value[0], value.slice(1));
    case 'github_actions':
      return new sources.GitHubActions(optionsOf(value));
    case 'oidc_client_credentials':
      return new sources.OidcClientCredentials(optionsOf(value));
    default:
      throw new Error(`unknown source kind ${kind}`);
  }
}

/** A case's options in the package's spelling: sources built, seconds made milliseconds. */
function optionsOf(options) {
  return Object.fromEntries(
    Object.entries(options).map(([name, value]) => {
      if (name === 'source' || name === 'client_assertion') {
        return [spelled(name), sourceOf(value)];
      }
      if (name === 'retry') {
        return [name, optionsOf(value)];
      }
      return [spelled(name), IN_MILLISECONDS.has(name) ? value * 1000 : value];
    }),
  );
}

/** What each `build` of the table makes from its options. */
const BUILDS = {
  credential: (options) => new Credential(options),
  user_exchanger: (options) => new UserExchanger(options),
  azure_credential: (options) => new AzureCredential(options),
  azure_on_behalf_of: (options) => new AzureOnBehalfOf(options),
  oidc_client_credentials: (options) => new sources.OidcClientCredentials(options),
  github_actions: (options) => new sources.GitHubActions(options),
  azure_devops: (options) => new sources.AzureDevOps(options),
  gcp_metadata: (options) => new sources.GcpMetadata(options),
};

/** Every way an object or an error is commonly shown, at full depth. */
function shows(value) {
  return [
    inspect(value, { depth: Infinity, breakLength: Infinity }),
    inspect(value, { depth: Infinity, showHidden: true, getters: true }),
    String(value),
    JSON.stringify(value) ?? '',
    value instanceof Error ? `${value.message}\n${value.stack}` : '',
  ].join('\n');
}

/** The texts an expected value stands for. */
function texts(value) {
  return Array.isArray(value) ? value.flatMap(texts) : [String(value)];
}

assert.ok(table.cases.length >= 60, `${table.cases.length} cases`);

for (const { name, build, options, expect, not_in: notIn = {} } of table.cases) {
  test(name, { skip: notIn.node }, () => {
    const make = BUILDS[build];
    assert.ok(make, `no build ${build} in the Node.js API: add "node" to the case's not_in`);
    let built;
    let error;
    try {
      built = make(optionsOf(options));
    } catch (thrown) {
      error = thrown;
    }
    const secrets = texts(expect.never_shown ?? []);
    if (expect.error) {
      assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error ?? inspect(built)}`);
      assert.equal(expect.error, error.name);
      assert.ok(error.message.includes(respelled(expect.contains)), `${error.message}\nlacks ${respelled(expect.contains)}`);
    } else {
      assert.equal(error, undefined, `${error?.stack}`);
      const shown = inspect(built, { depth: Infinity, breakLength: Infinity });
      for (const [field, value] of Object.entries(expect.shows)) {
        assert.ok(shown.includes(`${spelled(field)}: `), `${shown}\nhas no ${spelled(field)}`);
        for (const text of texts(value)) {
          assert.ok(shown.includes(text), `${shown}\nlacks ${text}`);
        }
      }
    }
    const everything = shows(error ?? built);
    for (const secret of secrets) {
      assert.ok(!everything.includes(secret), `${secret} shown in:\n${everything}`);
    }
  });
}
