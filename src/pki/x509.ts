// @peculiar/x509 reads decorator metadata when it loads: reflect-metadata must be evaluated first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// Node's WebCrypto (Ed25519 included) signs and verifies for the library; set once, before any use.
x509.cryptoProvider.set(webcrypto);

export { x509 };
