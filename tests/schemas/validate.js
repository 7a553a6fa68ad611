#!/usr/bin/env node
// validate.js TOOLS_DIR KIND FILE... — validate JSON documents against the
// official schemas in this directory with ajv (installed into TOOLS_DIR by
// scripts/install-validators.sh). KIND is cyclonedx-1.5, spdx-2.3 or
// sarif-2.1.0.
// Prints "FILE: valid" or every error, one per line; exit 0 only when all
// files are valid, 1 when one is not, 2 on a usage or setup error.
'use strict';
const fs = require('fs');
const path = require('path');

const [toolsDir, kind, ...files] = process.argv.slice(2);
if (!toolsDir || !kind || files.length === 0) {
  console.error('usage: validate.js TOOLS_DIR cyclonedx-1.5|spdx-2.3|sarif-2.1.0 FILE...');
  process.exit(2);
}
const need = (m) => require(path.join(path.resolve(toolsDir), 'node_modules', m));
const Ajv = need('ajv').default;
const addFormats = need('ajv-formats');
const load = (f) => JSON.parse(fs.readFileSync(path.join(__dirname, f), 'utf8'));

// The CycloneDX schema is draft-07 and refers to its two companions by
// relative file name; those resolve against its $id to
// http://cyclonedx.org/schema/<file>, which is not the $id the companions
// declare (…/spdx.schema.json, …/jsf-0.82.schema.json). Register each under
// the URL the reference resolves to.
const kinds = {
  'cyclonedx-1.5': {
    main: 'bom-1.5.SNAPSHOT.schema.json',
    refs: ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json'],
  },
  'spdx-2.3': { main: 'spdx-2.3.schema.json', refs: [] },
  // draft-04, which ajv 8 no longer reads: see draft04to07 below.
  'sarif-2.1.0': { main: 'sarif-2.1.0.schema.json', refs: [], draft04: true },
};

// The SARIF schema is draft-04. The only draft-04 keywords it uses that
// draft-07 spells differently are the root "id" (draft-07: "$id") and
// "$schema" itself; it has no boolean exclusiveMinimum/Maximum (checked
// here, so a newer copy that does fails loudly rather than validating
// wrongly). Everything else means the same in both drafts.
function draft04to07(s) {
  const text = JSON.stringify(s);
  if (/"exclusive(Minimum|Maximum)":\s*(true|false)/.test(text)) {
    console.error('validate.js: draft-04 schema with boolean exclusiveMinimum/Maximum; convert it first');
    process.exit(2);
  }
  const out = { ...s };
  if (out.id && !out.$id) out.$id = out.id;
  delete out.id;
  out.$schema = 'http://json-schema.org/draft-07/schema#';
  return out;
}
const k = kinds[kind];
if (!k) {
  console.error(`validate.js: unknown kind ${kind}`);
  process.exit(2);
}

const ajv = new Ajv({
  strict: false,
  allErrors: true,
  // Formats ajv-formats does not implement: accept any string.
  formats: { 'iri-reference': true, 'idn-email': true },
});
addFormats(ajv);
const main = k.draft04 ? draft04to07(load(k.main)) : load(k.main);
for (const f of k.refs) {
  const s = load(f);
  s.$id = new URL(f, main.$id).href;
  ajv.addSchema(s);
}
const validate = ajv.compile(main);

let bad = 0;
for (const file of files) {
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    console.log(`${file}: not JSON: ${e.message}`);
    bad++;
    continue;
  }
  if (validate(doc)) {
    console.log(`${file}: valid (${kind})`);
    continue;
  }
  bad++;
  for (const e of validate.errors) {
    let params = JSON.stringify(e.params);
    if (params.length > 200) params = params.slice(0, 200) + '…';
    console.log(`${file}: ${e.instancePath || '/'} ${e.message} ${params}`);
  }
}
process.exit(bad ? 1 : 0);
