'use strict';
// dbfed: call Databricks APIs with tokens from your own identity provider (OAuth token
// federation, RFC 8693). A thin layer over the Rust core's native addon: options objects,
// error classes, and no token in `util.inspect`.

const { AccessToken } = require('./lib/token.js');
const { AzureCredential, AzureOnBehalfOf } = require('./lib/azure.js');
const { Credential } = require('./lib/credential.js');
const { Mismatch, diagnose } = require('./lib/diagnosis.js');
const { UserExchanger } = require('./lib/users.js');
const { loggerFromEnvironment, setLogger } = require('./lib/logging.js');
const { sources } = require('./lib/sources.js');
const {
  ConfigError,
  DbfedError,
  ExchangeError,
  MalformedResponseError,
  SourceError,
  TransportError,
} = require('./lib/errors.js');

loggerFromEnvironment();

module.exports = {
  AccessToken,
  AzureCredential,
  AzureOnBehalfOf,
  ConfigError,
  Credential,
  DbfedError,
  ExchangeError,
  MalformedResponseError,
  Mismatch,
  SourceError,
  TransportError,
  UserExchanger,
  diagnose,
  setLogger,
  sources,
};
