"""The Python quick start (README, "Python"), against the testkit."""

import asyncio
import json
import os
import urllib.request

import dbfed

credential = dbfed.Credential(
    host=os.environ["QUICKSTART_HOST"],
    client_id=os.environ["QUICKSTART_CLIENT_ID"],
    source=dbfed.sources.File(os.environ["QUICKSTART_TOKEN_FILE"]),
)

token = credential.token()
headers = credential.headers()
assert headers == {"Authorization": f"Bearer {token.token}"}, "headers() and token() disagree"
assert asyncio.run(credential.token_async()).token == token.token, "token_async() is not the cached token"

request = urllib.request.Request(os.environ["QUICKSTART_HOST"] + "/api/2.0/preview/scim/v2/Me", headers=headers)
with urllib.request.urlopen(request, timeout=10) as response:
    print(json.load(response)["userName"])
