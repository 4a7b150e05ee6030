import { exhaustiveSuite } from './exhaustive';
import { entries } from './impls';

exhaustiveSuite('portable', entries.find(([name]) => name === 'portable')![1]);
