pragma circom 2.1.0;

// Published circomlib Poseidon vectors, computed by the same circomlib templates the batch circuit
// uses, and one Merkle root of the batch circuit's tree: src/proofs/circuit-vectors.test.ts compares
// the witness with the vectors and with the project's WASM Poseidon.
include "poseidon.circom";
include "../batch-chunk.circom";

template PoseidonVectors() {
    signal input two[2];
    signal input five[5];
    signal input leaves[4];
    signal output hashTwo;
    signal output hashFive;
    signal output root;

    component p2 = Poseidon(2);
    p2.inputs <== two;
    hashTwo <== p2.out;
    component p5 = Poseidon(5);
    p5.inputs <== five;
    hashFive <== p5.out;
    component tree = MerkleRoot(2);
    tree.leaves <== leaves;
    root <== tree.root;
}

component main = PoseidonVectors();
