#!/usr/bin/env node
// A `solc` command line over solcjs (the WebAssembly build of the Solidity compiler from npm),
// for machines where no native solc binary can be installed. It speaks the part of solc's CLI
// that Brownie, py-solc-x and crytic-compile use:
//
//   solc --version
//   solc --standard-json [--base-path P] [--include-path P]... [--allow-paths P,...] [file]
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
  const opts = { standardJson: false, version: false, basePath: null, includePaths: [], files: [] };
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
      default:
        if (flag.startsWith("--")) {
          process.stderr.write(`unsupported option for the solcjs shim: ${flag}\n`);
          process.exit(2);
        }
        opts.files.push(arg);
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
  if (!opts.standardJson) {
    process.stderr.write("the solcjs shim supports only --version and --standard-json\n");
    process.exit(2);
  }
  const input = opts.files.length > 0 ? fs.readFileSync(opts.files[0], "utf8") : fs.readFileSync(0, "utf8");
  const roots = [opts.basePath, ...opts.includePaths, process.cwd()].filter(Boolean);
  const output = solc.compile(input, { import: makeImportCallback(roots) });
  writeAll(output.endsWith("\n") ? output : `${output}\n`);
}

main();
