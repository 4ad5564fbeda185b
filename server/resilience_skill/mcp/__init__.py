"""The MCP server (``resilience serve``). Importing this package is cheap; the SDK is
imported by ``resilience_skill.mcp.server`` and the modules it registers."""
