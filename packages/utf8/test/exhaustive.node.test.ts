import { exhaustiveSuite } from './exhaustive';
import { entries } from './impls';

exhaustiveSuite('node', entries.find(([name]) => name === 'node')![1]);
