import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    // Each file boots its own database (an embedded PGlite takes a few seconds to initialise).
    hookTimeout: 60_000,
    testTimeout: 30_000,
    pool: "forks",
  },
});
