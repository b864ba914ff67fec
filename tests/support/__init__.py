"""What tests share: a throwaway PostgreSQL server, free ports, the CLI runner, the provider-schema check."""
