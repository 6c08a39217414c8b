"""Browser tests: the running app in Debian's Chromium through Playwright (screenshots in tests/artifacts/screens)."""
