"""Adapters to other libraries; each module needs its library, which dbfed does not install.

- :mod:`dbfed.integrations.databricks_sdk`: a ``credentials_strategy`` for databricks-sdk.
- :mod:`dbfed.integrations.databricks_sql`: a ``credentials_provider`` for databricks-sql-connector.
- :mod:`dbfed.integrations.requests`: an ``AuthBase`` for requests.
- :mod:`dbfed.integrations.httpx`: an ``httpx.Auth`` for httpx (sync and async clients).
"""
