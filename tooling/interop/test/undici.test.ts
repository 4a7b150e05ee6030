import { runWithUndici } from '../src/peers/undici.js';
import { defineEchoSuite } from './support/echo-suite.js';

// undici offers permessage-deflate and inflates what it receives (it sends uncompressed).
defineEchoSuite({ name: 'undici', offersDeflate: true, exposesWasClean: true, run: runWithUndici });
