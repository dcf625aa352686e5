// Bundles each entry here as a user's page would (esbuild --bundle --minify,
// ESM, for browsers) and prints, as JSON, each bundle's size, its gzip size and
// the files of the installed packages that have code in it.
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const sizes = {};
for (const name of ["lock", "queue", "pool", "all"]) {
  const result = await build({
    entryPoints: [`${name}.js`],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const [output] = result.outputFiles;
  // The files with code in the bundle (the metafile also lists files read and dropped).
  const [bundle] = Object.values(result.metafile.outputs);
  const inputs = Object.entries(bundle.inputs)
    .filter(([file, { bytesInOutput }]) => bytesInOutput > 0 && file.includes("node_modules/"))
    .map(([file]) => file)
    .map((file) => file.slice(file.lastIndexOf("node_modules/") + "node_modules/".length))
    .sort();
  sizes[name] = { bytes: output.contents.length, gzip: gzipSync(output.contents).length, inputs };
}
console.log(JSON.stringify(sizes));
