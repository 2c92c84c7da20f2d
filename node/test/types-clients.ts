// Compiled (not run) by `npm run typecheck` (tsc --strict, the libraries' declarations checked
// too): what the openai and Databricks SDK integrations return is accepted, without a cast, where
// the real clients' types (node/package.json's devDependencies) ask for it.

import OpenAI, { type ClientOptions } from 'openai';
import { AccountClient, WorkspaceClient, type CredentialProvider } from '@databricks/sdk-experimental';
import { Credential, sources } from 'dbfed';
import { databricksOpenAIOptions } from 'dbfed/integrations/openai';
import { databricksSdkCredentials } from 'dbfed/integrations/databricks-sdk';

async function use(): Promise<void> {
  const credential = new Credential({
    host: 'https://dbc-1234abcd-5678.cloud.databricks.com',
    clientId: '6f1c1a3e-0000-4a5b-9c8d-0123456789ab',
    source: new sources.GitHubActions(),
  });

  const openai = new OpenAI(databricksOpenAIOptions(credential));
  const tuned = new OpenAI({ ...databricksOpenAIOptions(credential, { host: 'https://x' }), maxRetries: 0 });
  const options: ClientOptions = databricksOpenAIOptions<typeof fetch>(credential, { fetch });
  const completion = await openai.chat.completions.create({
    model: 'databricks-claude',
    messages: [{ role: 'user', content: 'hi' }],
  });
  const answer: string | null = completion.choices[0]!.message.content;

  const provider: CredentialProvider = databricksSdkCredentials(credential);
  const workspace = new WorkspaceClient({
    host: 'https://dbc-1234abcd-5678.cloud.databricks.com',
    credentials: databricksSdkCredentials(credential),
  });
  const account = new AccountClient({ host: 'https://accounts.cloud.databricks.com', accountId: 'a', credentials: provider });
  const sdkCredentials = databricksSdkCredentials(credential);
  const me = await sdkCredentials.retryUnauthorized(() => workspace.currentUser.me());
  const userName: string | undefined = me.userName;
  void [tuned, options, answer, account, userName];
}

void use;
