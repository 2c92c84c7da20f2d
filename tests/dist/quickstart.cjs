// The Node.js quick start (README, "Node.js"), as CommonJS, against the testkit.
const { Credential, sources } = require('dbfed');

async function main() {
  const credential = new Credential({
    host: process.env.QUICKSTART_HOST,
    clientId: process.env.QUICKSTART_CLIENT_ID,
    source: new sources.File(process.env.QUICKSTART_TOKEN_FILE),
  });
  const headers = await credential.headers();
  const response = await fetch(`${process.env.QUICKSTART_HOST}/api/2.0/preview/scim/v2/Me`, { headers });
  if (!response.ok) throw new Error(`Me answered ${response.status}`);
  console.log((await response.json()).userName);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
