// A solc-compatible command line over solc-js (npm "solc", the same compiler
// as WebAssembly). Understands what py-solc-x and forge send: --version,
// --standard-json (input on stdin), --base-path, --include-path, --allow-paths.
// Other path flags are accepted and ignored. See sandbox/compiler.py.
// --serve keeps the compiler loaded and answers one request per line (worker.py).
"use strict";
const fs = require("fs");
const path = require("path");

// Where the solc package is: next to this file (a release in the sandbox's
// cache: <cache>/solc/<version>/node_modules/solc), else SANDBOX_NODE_MODULES,
// the repository's node_modules, or the working directory's.
function solcRoots() {
  return [path.join(__dirname, "node_modules"), process.env.SANDBOX_NODE_MODULES, path.resolve(__dirname, "..", "..", "..", "node_modules"), path.join(process.cwd(), "node_modules")].filter(Boolean);
}

function solcPackageDir() {
  const roots = solcRoots();
  for (const root of roots) {
    try {
      return path.dirname(require.resolve("solc/package.json", { paths: [root, path.dirname(root)] }));
    } catch (e) { /* try the next root */ }
  }
  fail("npm package 'solc' not found (looked in " + roots.join(", ") + "); run `sandbox toolchain install`", 2);
}

function loadSolc() {
  return require(solcPackageDir());
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
const opts = { basePath: null, includePaths: [], allowPaths: [], standardJson: false, version: false, serve: false };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  const value = () => {
    if (a.includes("=")) return a.slice(a.indexOf("=") + 1);
    i += 1;
    return args[i];
  };
  if (a === "--version") opts.version = true;
  else if (a === "--serve") opts.serve = true;
  else if (a === "--standard-json") opts.standardJson = true;
  else if (a.startsWith("--base-path")) opts.basePath = value();
  else if (a.startsWith("--include-path")) opts.includePaths.push(value());
  else if (a.startsWith("--allow-paths")) opts.allowPaths.push(...String(value()).split(","));
  else if (a === "--no-color" || a === "--pretty-json" || a === "-") { /* harmless */ }
  else if (a.startsWith("--")) { /* unknown flags are ignored, as they only shape paths or output */ }
}

if (opts.version) {
  // Loading the compiler only to print its version costs a second: the
  // full version (with its commit, which py-solc-x needs) is kept beside it.
  const dir = solcPackageDir();
  const memo = path.join(dir, ".sandbox-version");
  let version;
  try {
    version = fs.readFileSync(memo, "utf8").trim();
  } catch (e) {
    version = loadSolc().version();
    try { fs.writeFileSync(memo, version + "\n"); } catch (e2) { /* a read-only install */ }
  }
  writeAll(1, "solc, the solidity compiler commandline interface\nVersion: " + version + "\n");
  process.exit(0);
}
const solc = loadSolc();
if (!opts.standardJson && !opts.serve) fail("only --version, --standard-json and --serve are supported by the solc-js wrapper", 2);

// Allowed paths are searched too (after the base and include paths): the
// sandbox allows its own repository so a project without node_modules can
// import OpenZeppelin from it, whatever the working directory.
let roots = [opts.basePath, ...opts.includePaths, ...opts.allowPaths, process.cwd()].filter(Boolean);

function findImports(importPath) {
  const candidates = path.isAbsolute(importPath) ? [importPath] : roots.map((r) => path.resolve(r, importPath));
  for (const candidate of candidates) {
    try {
      return { contents: fs.readFileSync(candidate, "utf8") };
    } catch (e) { /* try the next root */ }
  }
  return { error: "File not found: " + importPath + " (searched " + roots.join(", ") + ")" };
}

function compile(input) {
  // solc-js before 0.5 takes the callback positionally, as compileStandardWrapper.
  return solc.compileStandardWrapper && /^0\.4\./.test(solc.version())
    ? solc.compileStandardWrapper(input, findImports)
    : solc.compile(input, { import: findImports });
}

if (opts.serve) {
  // A worker kept loaded between compiles (sandbox/project/solcjs/worker.py): one request a
  // line, {"input": standard JSON text, "cwd": the caller's folder}; each answer is its byte
  // length on a line, then the output ("E" before the length: an error message instead).
  const readline = require("readline");
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on("line", (line) => {
    let answer;
    let failed = false;
    try {
      const request = JSON.parse(line);
      roots = [request.cwd || process.cwd()];
      answer = compile(request.input);
    } catch (e) {
      failed = true;
      answer = String(e && e.message ? e.message : e);
    }
    const buf = Buffer.from(answer, "utf8");
    writeAll(1, (failed ? "E" : "") + buf.length + "\n");
    writeAll(1, answer);
  });
  lines.on("close", () => process.exit(0));
} else {
  const input = fs.readFileSync(0, "utf8");
  let output;
  try {
    output = compile(input);
  } catch (e) {
    fail(String(e && e.message ? e.message : e), 1);
  }
  writeAll(1, output + "\n");
  process.exit(0);
}
