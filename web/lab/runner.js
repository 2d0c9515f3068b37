// lab/runner.js: the experiment runner, one module for the trainer page (web/lab/page.js) and
// Node (bench/sweep.mjs). No DOM, no WebAssembly: it takes the core's settings schema
// (mm.schema, or the page's InitResult.schema) as an argument. Its parts, by concern:
//   web/lab/spec.js    the spec and its checks: expandSpec, withSteps, describeConfig (RunPlan)
//   web/lab/queue.js   the queue: runQueue
//   web/lab/record.js  a finished run: makeRecord, CurveBuilder, curveGroup (RunRecord)
//   web/lab/table.js   the table's columns: COLUMNS (every record's), tableColumns (the page's and the CSV's:
//                      the settings that differ as columns), commonText, tableRow, cellText, sortRecords
//   web/lab/export.js  export and import: exportJson, importJson, exportCsv, importCsv
//
//   const plans = expandSpec(spec, schema);          // a JSON spec in, the list of runs out
//   const records = await runQueue(plans, runOne);    // one after another (or `jobs` at a time)
//   tableRow(record)                                  // every record's columns (COLUMNS), for Node's JSON lines
//   tableColumns(records, schema)                     // the page's table and the CSV: name, differing settings, results
//   exportJson(records) / importJson(text)            // the versioned export, validated on import
//   exportCsv(records, schema) / importCsv(text)
export * from './spec.js';
export * from './queue.js';
export * from './record.js';
export * from './table.js';
export * from './export.js';
