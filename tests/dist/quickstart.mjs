// The Node.js quick start (README, "Node.js"), as an ES module, against the testkit.
import { Credential, sources } from 'dbfed';

const credential = new Credential({
  host: process.env.QUICKSTART_HOST,
  clientId: process.env.QUICKSTART_CLIENT_ID,
  source: new sources.File(process.env.QUICKSTART_TOKEN_FILE),
});

const token = await credential.token();
const headers = await credential.headers();
if (headers.Authorization !== `Bearer ${token.token}`) throw new Error('headers() and token() disagree');

const response = await fetch(`${process.env.QUICKSTART_HOST}/api/2.0/preview/scim/v2/Me`, { headers });
if (!response.ok) throw new Error(`Me answered ${response.status}`);
console.log((await response.json()).userName);
