import { runWithWs } from '../src/peers/ws.js';
import { defineEchoSuite } from './support/echo-suite.js';

defineEchoSuite({ name: 'ws', offersDeflate: true, exposesWasClean: true, run: runWithWs });
