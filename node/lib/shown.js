'use strict';
// What every object of the package shows in `util.inspect`: the Rust core's description of it
// (its type and non-secret settings; never a token, a JWT or a secret), as the native addon
// gives it (bindings/node/src/shown.rs), rendered here once: `Credential { host: '…', source:
// EnvVar { name: 'X' } }`.

const { inspect } = require('node:util');

/** A nested description (a source), rendered like the object holding it. */
class Described {
  #description;

  constructor(description) {
    this.#description = description;
  }

  [inspect.custom](depth, options, inspectValue) {
    return render(this.#description, options, inspectValue);
  }
}

/** A shown value, its nested descriptions made renderable. */
function shownValue(value) {
  if (Array.isArray(value)) {
    return value.map(shownValue);
  }
  return value !== null && typeof value === 'object' ? new Described(value) : value;
}

/**
 * `Type { field: value, … }` (`Type.factory { … }` for an object made by a named factory).
 * @param {{ type: string, factory?: string, fields: object }} description
 */
function render(description, options, inspectValue) {
  const title = description.factory ? `${description.type}.${description.factory}` : description.type;
  const fields = Object.fromEntries(Object.entries(description.fields).map(([name, value]) => [name, shownValue(value)]));
  return `${title} ${inspectValue(fields, options)}`;
}

module.exports = { render };
