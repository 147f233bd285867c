#!/usr/bin/env node
// A `solc` command line over solcjs (the WebAssembly build of the Solidity compiler from npm),
// for machines where no native solc binary can be installed. It speaks the part of solc's CLI
// that Brownie, py-solc-x and crytic-compile use:
//
//   solc --version
//   solc --standard-json [--base-path P] [--include-path P]... [--allow-paths P,...] [file]
//   solc --combined-json abi,bin,... [--optimize] [--optimize-runs N] [--evm-version V]
//        [prefix=path ...] file.sol ...          (what crytic-compile / Slither run)
//
// Imports are resolved here through solcjs's import callback: relative to the base path, each
// include path and the working directory, and absolute paths as given. Output is written
// synchronously, so nothing is cut when stdout is a pipe.
"use strict";

const fs = require("fs");
const path = require("path");

function loadSolc() {
  const fromEnv = process.env.SOLCJS_MODULE;
  const candidates = [fromEnv, path.resolve(__dirname, "..", "..", "node_modules", "solc")].filter(Boolean);
  for (const candidate of candidates) {
    if (fs.existsSync(candidate)) return require(candidate);
  }
  process.stderr.write(`solcjs not found (looked in: ${candidates.join(", ")}); run npm ci\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    standardJson: false,
    version: false,
    basePath: null,
    includePaths: [],
    files: [],
    combined: null,
    remappings: [],
    optimize: false,
    runs: 200,
    evmVersion: null,
    viaIR: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inlineValue] = arg.includes("=") ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => (inlineValue !== undefined ? inlineValue : argv[++i]);
    switch (flag) {
      case "--version":
        opts.version = true;
        break;
      case "--standard-json":
        opts.standardJson = true;
        break;
      case "--base-path":
        opts.basePath = value();
        break;
      case "--include-path":
        opts.includePaths.push(value());
        break;
      case "--allow-paths":
        value(); // every readable path is allowed: the import callback reads only what is asked
        break;
      case "--combined-json":
        opts.combined = value().split(",");
        break;
      case "--optimize":
        opts.optimize = true;
        break;
      case "--optimize-runs":
        opts.runs = Number(value());
        break;
      case "--evm-version":
        opts.evmVersion = value();
        break;
      case "--via-ir":
        opts.viaIR = true;
        break;
      default:
        if (flag.startsWith("--")) {
          process.stderr.write(`unsupported option for the solcjs shim: ${flag}\n`);
          process.exit(2);
        }
        if (arg.includes("=") && !arg.endsWith(".sol")) opts.remappings.push(arg);
        else opts.files.push(arg);
    }
  }
  return opts;
}

function makeImportCallback(roots) {
  return function findImport(importPath) {
    const tries = path.isAbsolute(importPath) ? [importPath] : roots.map((root) => path.resolve(root, importPath));
    for (const candidate of tries) {
      try {
        return { contents: fs.readFileSync(candidate, "utf8") };
      } catch (err) {
        if (err.code !== "ENOENT" && err.code !== "EISDIR") return { error: `${candidate}: ${err.message}` };
      }
    }
    return { error: `File not found: ${importPath} (looked in ${tries.join(", ")})` };
  };
}

function writeAll(text) {
  const buffer = Buffer.from(text, "utf8");
  let offset = 0;
  while (offset < buffer.length) {
    try {
      offset += fs.writeSync(1, buffer, offset, buffer.length - offset);
    } catch (err) {
      if (err.code !== "EAGAIN") throw err;
    }
  }
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const solc = loadSolc();
  if (opts.version) {
    writeAll(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
    return;
  }
  if (opts.combined) {
    combinedJson(solc, opts);
    return;
  }
  if (!opts.standardJson) {
    process.stderr.write("the solcjs shim supports --version, --standard-json and --combined-json\n");
    process.exit(2);
  }
  const input = opts.files.length > 0 ? fs.readFileSync(opts.files[0], "utf8") : fs.readFileSync(0, "utf8");
  const roots = [opts.basePath, ...opts.includePaths, process.cwd()].filter(Boolean);
  const output = solc.compile(input, { import: makeImportCallback(roots) });
  writeAll(output.endsWith("\n") ? output : `${output}\n`);
}

// The legacy `--combined-json` interface, answered through standard JSON.
function combinedJson(solc, opts) {
  const sources = {};
  for (const file of opts.files) sources[file] = { content: fs.readFileSync(file, "utf8") };
  const contractOutputs = [
    "abi",
    "evm.bytecode.object",
    "evm.bytecode.sourceMap",
    "evm.deployedBytecode.object",
    "evm.deployedBytecode.sourceMap",
    "userdoc",
    "devdoc",
    "evm.methodIdentifiers",
  ];
  const settings = {
    remappings: opts.remappings,
    optimizer: { enabled: opts.optimize, runs: opts.runs },
    outputSelection: { "*": { "*": contractOutputs, "": ["ast"] } },
  };
  if (opts.evmVersion) settings.evmVersion = opts.evmVersion;
  if (opts.viaIR) settings.viaIR = true;
  const input = JSON.stringify({ language: "Solidity", sources, settings });
  const roots = [opts.basePath, ...opts.includePaths, process.cwd()].filter(Boolean);
  const output = JSON.parse(solc.compile(input, { import: makeImportCallback(roots) }));
  const errors = (output.errors || []).filter((e) => e.severity === "error");
  for (const e of output.errors || []) process.stderr.write(`${e.formattedMessage || e.message}\n`);
  if (errors.length > 0) process.exit(1);

  const contracts = {};
  for (const [file, byName] of Object.entries(output.contracts || {})) {
    for (const [name, c] of Object.entries(byName)) {
      const entry = {
        abi: c.abi,
        bin: c.evm.bytecode.object,
        "bin-runtime": c.evm.deployedBytecode.object,
        srcmap: c.evm.bytecode.sourceMap,
        "srcmap-runtime": c.evm.deployedBytecode.sourceMap,
        userdoc: c.userdoc,
        devdoc: c.devdoc,
        hashes: c.evm.methodIdentifiers,
      };
      const wanted = {};
      for (const field of opts.combined) if (field in entry) wanted[field] = entry[field];
      contracts[`${file}:${name}`] = wanted;
    }
  }
  const ordered = Object.entries(output.sources || {}).sort((a, b) => a[1].id - b[1].id);
  const result = { contracts, sourceList: ordered.map(([file]) => file), version: solc.version() };
  if (opts.combined.includes("ast")) {
    result.sources = Object.fromEntries(ordered.map(([file, src]) => [file, { AST: src.ast, id: src.id }]));
  }
  writeAll(`${JSON.stringify(result)}\n`);
}

main();
