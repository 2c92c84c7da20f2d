'use strict';
// The native addon, loaded by napi-rs's generated loader (native.js): the `.node` file beside the
// package (a build from source), else the per-platform package `dbfed-<platform>` that npm
// installed as an optional dependency. Where neither loads, the error says which platforms have
// a package and how to get an addon, in place of the loader's guess that npm has a bug.

const { arch, platform } = process;
const { napi } = require('../package.json');

/** The platforms published with a prebuilt addon, in napi-rs's naming (`linux-x64-gnu`, …). */
function supportedPlatforms() {
  const names = { apple: 'darwin', pc: 'win32' };
  return napi.targets.map((triple) => {
    const [cpu, vendor, os, abi] = triple.split('-');
    const nodeArch = { x86_64: 'x64', aarch64: 'arm64' }[cpu] ?? cpu;
    const nodePlatform = names[vendor] ?? os;
    return [nodePlatform, nodeArch, abi].filter(Boolean).join('-');
  });
}

function load() {
  try {
    return require('../native.js');
  } catch (error) {
    const tried = [];
    for (let cause = error.cause; cause && tried.length < 8; cause = cause.cause) {
      tried.unshift(String(cause.message).split('\n')[0]);
    }
    const message =
      `dbfed has no native addon that loads on ${platform}-${arch}. ` +
      `Prebuilt addons exist for ${supportedPlatforms().join(', ')}: on one of these, the optional ` +
      'dependency `dbfed-<platform>` is missing (installed with --omit=optional, or on another ' +
      'platform and copied here): install dbfed again on this machine. Elsewhere, build the addon ' +
      `from source (README, "Node.js"). What the loader tried: ${tried.join('; ') || error.message}`;
    throw new Error(message, { cause: error });
  }
}

module.exports = load();
