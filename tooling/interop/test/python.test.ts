import { findPython, runWithPython } from '../src/peers/python.js';
import { defineEchoSuite } from './support/echo-suite.js';

const python = findPython();

defineEchoSuite({
  name: `python-websockets ${python.version}`,
  offersDeflate: true,
  // The asyncio client reports the server's close code and reason, but has no wasClean.
  exposesWasClean: false,
  run: (target, cases) => runWithPython(python.command, target, cases),
});
