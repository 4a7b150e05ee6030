/**
 * The only import of the test-certificate generator in this package: if it moves
 * (for instance into apps/echo-server), this line is the one to change.
 */
export { generateSelfSignedCert } from '@websock/testing';
