// A loopback HTTPS stand-in for a Databricks SQL warehouse, for the @databricks/sql driver: its
// Thrift endpoint, made of the driver's own generated TCLIService code and the `thrift` package
// the driver depends on, answers `SELECT <integer>` with one row (OpenSession, ExecuteStatement,
// GetOperationStatus, GetResultSetMetadata, FetchResults, CloseOperation, CloseSession), after
// checking every request's bearer token with the testkit's API, as the warehouse would: a token
// the testkit refuses gets the testkit's 401. `/oidc/…` (discovery, the token endpoint) is passed
// on to the testkit, for the driver's own token federation. The certificate is a self-signed one
// for 127.0.0.1 and localhost, made by openssl at start; `ca` is its PEM, for the driver's
// `customCaCert`.

import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { thrift as generated } from '@databricks/sql';

// The `thrift` package as the driver resolves it.
const require = createRequire(createRequire(import.meta.url).resolve('@databricks/sql'));
const { TBinaryProtocol, TBufferedTransport } = require('thrift');

const { TCLIService, TCLIService_types: types } = generated;
const SUCCESS = { statusCode: types.TStatusCode.SUCCESS_STATUS };
const SELECT_INTEGER = /^\s*select\s+(-?\d+)\s*;?\s*$/i;

/** A self-signed certificate for 127.0.0.1 and localhost, valid one day: `{ key, cert }` (PEM). */
function selfSigned() {
  const directory = mkdtempSync(join(tmpdir(), 'dbfed-standin-'));
  try {
    const [key, cert] = [join(directory, 'key.pem'), join(directory, 'cert.pem')];
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=dbfed thrift stand-in', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', key, '-out', cert,
    ], { stdio: 'ignore' });
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** A session or operation handle's identifier (the driver reads its GUID as a UUID). */
function handleId() {
  return { guid: Buffer.from(randomUUID().replaceAll('-', ''), 'hex'), secret: randomBytes(16) };
}

/** The whole body of `request`. */
async function bodyOf(request) {
  const chunks = [];
  for await (const chunk of request) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * The stand-in's Thrift handler: `SELECT <integer>` as one INT column named after the integer.
 * Every method takes one parameter, the request: the generated processor awaits the result of a
 * one-parameter method, and passes a callback to any other.
 */
class Warehouse {
  /** The operations not closed yet, by operation GUID: `{ value, fetched }`. */
  #operations = new Map();
  /** Calls per Thrift method. */
  calls = {};

  #count(method) {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
  }

  #operation(request) {
    const operation = this.#operations.get(request.operationHandle.operationId.guid.toString('hex'));
    if (operation === undefined) {
      throw new Error('no such operation');
    }
    return operation;
  }

  OpenSession(_request) {
    this.#count('OpenSession');
    return {
      status: SUCCESS,
      serverProtocolVersion: types.TProtocolVersion.SPARK_CLI_SERVICE_PROTOCOL_V1,
      sessionHandle: { sessionId: handleId() },
    };
  }

  ExecuteStatement(request) {
    this.#count('ExecuteStatement');
    const match = SELECT_INTEGER.exec(request.statement);
    if (match === null) {
      return {
        status: { statusCode: types.TStatusCode.ERROR_STATUS, errorMessage: 'the stand-in runs SELECT <integer> only' },
      };
    }
    const operationId = handleId();
    this.#operations.set(operationId.guid.toString('hex'), { value: Number(match[1]), fetched: false });
    return {
      status: SUCCESS,
      operationHandle: { operationId, operationType: types.TOperationType.EXECUTE_STATEMENT, hasResultSet: true },
    };
  }

  GetOperationStatus(request) {
    this.#count('GetOperationStatus');
    this.#operation(request);
    return { status: SUCCESS, operationState: types.TOperationState.FINISHED_STATE, hasResultSet: true };
  }

  GetResultSetMetadata(request) {
    this.#count('GetResultSetMetadata');
    const { value } = this.#operation(request);
    return {
      status: SUCCESS,
      resultFormat: types.TSparkRowSetType.COLUMN_BASED_SET,
      schema: {
        columns: [
          {
            columnName: String(value),
            position: 1,
            typeDesc: { types: [{ primitiveEntry: { type: types.TTypeId.INT_TYPE } }] },
          },
        ],
      },
    };
  }

  FetchResults(request) {
    this.#count('FetchResults');
    const operation = this.#operation(request);
    const values = operation.fetched ? [] : [operation.value];
    operation.fetched = true;
    return {
      status: SUCCESS,
      hasMoreRows: false,
      results: { startRowOffset: 0, rows: [], columns: [{ i32Val: { values, nulls: Buffer.alloc(0) } }] },
    };
  }

  CloseOperation(request) {
    this.#count('CloseOperation');
    this.#operations.delete(request.operationHandle.operationId.guid.toString('hex'));
    return { status: SUCCESS };
  }

  CloseSession(_request) {
    this.#count('CloseSession');
    return { status: SUCCESS };
  }
}

/** The stand-in warehouse; `start()` it, `stop()` it. */
export class ThriftStandin {
  /** The warehouse's HTTP path. */
  path = '/sql/1.0/warehouses/dbfed-standin';
  /** Thrift requests received, and those refused for their token (answered with the testkit's 401). */
  requests = 0;
  rejected = 0;
  #kit;
  #server;
  #warehouse = new Warehouse();
  #processor;

  constructor(kit, server, ca, hostname) {
    this.#kit = kit;
    this.#server = server;
    this.#processor = new TCLIService.Processor(this.#warehouse);
    this.ca = ca;
    /** The host name the driver connects to (the certificate names 127.0.0.1 and localhost). */
    this.host = hostname;
    this.port = server.address().port;
    this.url = `https://${hostname}:${this.port}`;
  }

  /**
   * Listens on 127.0.0.1, checking tokens with `kit` (a started Testkit). `hostname` is the name
   * the driver is given: `localhost` for the driver's own token federation, which exchanges only
   * JWTs whose issuer's host differs from the warehouse's, and the testkit's issuer is 127.0.0.1.
   */
  static async start(kit, { hostname = '127.0.0.1' } = {}) {
    const { key, cert } = selfSigned();
    let standin;
    const server = createServer({ key, cert }, (request, response) => {
      standin.#serve(request, response).catch(() => {
        if (response.headersSent) {
          response.destroy();
        } else {
          response.writeHead(500).end();
        }
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    standin = new ThriftStandin(kit, server, cert, hostname);
    return standin;
  }

  /** Calls per Thrift method answered. */
  get calls() {
    return { ...this.#warehouse.calls };
  }

  async stop() {
    const closed = new Promise((resolve) => this.#server.close(resolve));
    this.#server.closeAllConnections();
    await closed;
  }

  async #serve(request, response) {
    const body = await bodyOf(request);
    if (request.url.startsWith('/oidc/')) {
      await this.#forward(request, body, response);
    } else if (request.method === 'POST' && request.url === this.path) {
      this.requests += 1;
      await this.#thrift(request, body, response);
    } else {
      response.writeHead(404).end();
    }
  }

  /** Answers a Thrift request, if the testkit accepts its bearer token; else the testkit's refusal. */
  async #thrift(request, body, response) {
    const authorization = request.headers.authorization;
    const check = await fetch(`${this.#kit.url}/api/2.0/preview/scim/v2/Me`, {
      headers: authorization === undefined ? {} : { Authorization: authorization },
      signal: AbortSignal.timeout(10_000),
    });
    if (check.status !== 200) {
      this.rejected += 1;
      response.writeHead(check.status, { 'Content-Type': check.headers.get('content-type') ?? 'text/plain' });
      response.end(Buffer.from(await check.arrayBuffer()));
      return;
    }
    await check.body?.cancel();
    TBufferedTransport.receiver((transport) => {
      const output = new TBinaryProtocol(
        new TBufferedTransport(undefined, (answer) => {
          response.writeHead(200, { 'Content-Type': 'application/x-thrift' });
          response.end(answer);
        }),
      );
      this.#processor.process(new TBinaryProtocol(transport), output);
    })(body);
  }

  /** Passes an `/oidc/…` request on to the testkit and its answer back. */
  async #forward(request, body, response) {
    const answer = await fetch(this.#kit.url + request.url, {
      method: request.method,
      headers: request.headers['content-type'] === undefined ? {} : { 'Content-Type': request.headers['content-type'] },
      body: request.method === 'GET' || request.method === 'HEAD' ? undefined : body,
      signal: AbortSignal.timeout(10_000),
    });
    response.writeHead(answer.status, { 'Content-Type': answer.headers.get('content-type') ?? 'text/plain' });
    response.end(Buffer.from(await answer.arrayBuffer()));
  }
}
