"""Django settings: `local` (embedded default), `production` (compose) and `test`."""
