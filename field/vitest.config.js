// Unit tests of the plain modules (src/lib): the offline queue, validation, the catalog, SHA-256.
// No browser: the queue gets a memory store and a fake API.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['tests/**/*.spec.js'], environment: 'node' },
});
