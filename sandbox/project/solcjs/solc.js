// A solc-compatible command line over solc-js (npm "solc", the same compiler
// as WebAssembly). Understands what py-solc-x and forge send: --version,
// --standard-json (input on stdin), --base-path, --include-path, --allow-paths.
// Other path flags are accepted and ignored. See sandbox/compiler.py.
"use strict";
const fs = require("fs");
const path = require("path");

function loadSolc() {
  const roots = [process.env.SANDBOX_NODE_MODULES, path.resolve(__dirname, "..", "..", "node_modules"), path.join(process.cwd(), "node_modules")].filter(Boolean);
  for (const root of roots) {
    try {
      return require(require.resolve("solc", { paths: [root, path.dirname(root)] }));
    } catch (e) { /* try the next root */ }
  }
  fail("npm package 'solc' not found (looked in " + roots.join(", ") + "); run `make setup` (npm ci) in the sandbox project", 2);
}

function fail(message, code) {
  fs.writeSync(2, "Error: " + message + "\n");
  process.exit(code);
}

// Write synchronously: an asynchronous write followed by exit truncates the
// output at 64 KiB on a pipe.
function writeAll(fd, text) {
  const buf = Buffer.from(text, "utf8");
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      if (e.code !== "EAGAIN") throw e;
    }
  }
}

const args = process.argv.slice(2);
const opts = { basePath: null, includePaths: [], allowPaths: [], standardJson: false, version: false };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const value = () => {
    if (a.includes("=")) return a.slice(a.indexOf("=") + 1);
    i += 1;
    return args[i];
  };
  if (a === "--version") opts.version = true;
  else if (a === "--standard-json") opts.standardJson = true;
  else if (a.startsWith("--base-path")) opts.basePath = value();
  else if (a.startsWith("--include-path")) opts.includePaths.push(value());
  else if (a.startsWith("--allow-paths")) opts.allowPaths.push(...String(value()).split(","));
  else if (a === "--no-color" || a === "--pretty-json" || a === "-") { /* harmless */ }
  else if (a.startsWith("--")) { /* unknown flags are ignored, as they only shape paths or output */ }
}

const solc = loadSolc();
if (opts.version) {
  writeAll(1, "solc, the solidity compiler commandline interface\nVersion: " + solc.version() + "\n");
  process.exit(0);
}
if (!opts.standardJson) fail("only --version and --standard-json are supported by the solc-js wrapper", 2);

const input = fs.readFileSync(0, "utf8");
// Allowed paths are searched too (after the base and include paths): the
// sandbox allows its own repository so a project without node_modules can
// import OpenZeppelin from it, whatever the working directory.
const roots = [opts.basePath, ...opts.includePaths, ...opts.allowPaths, process.cwd()].filter(Boolean);

function findImports(importPath) {
  const candidates = path.isAbsolute(importPath) ? [importPath] : roots.map((r) => path.resolve(r, importPath));
  for (const candidate of candidates) {
    try {
      return { contents: fs.readFileSync(candidate, "utf8") };
    } catch (e) { /* try the next root */ }
  }
  return { error: "File not found: " + importPath + " (searched " + roots.join(", ") + ")" };
}

let output;
try {
  output = solc.compile(input, { import: findImports });
} catch (e) {
  fail(String(e && e.message ? e.message : e), 1);
}
writeAll(1, output + "\n");
process.exit(0);
