"""Real-browser journey tests (Playwright driving Chromium)."""
