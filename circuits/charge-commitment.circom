pragma circom 2.1.0;

// P = total·G_cur + salt·H on Baby Jubjub, G_cur selected by the private currency from the table of
// circuits/currency-generators.circom (docs/proofs.md §1): the chunk's homomorphic charge commitment.

include "bitify.circom";
include "comparators.circom";
include "babyjub.circom";
include "escalarmulany.circom";
include "escalarmulfix.circom";
include "currency-generators.circom";

// G_cur is selected as a linear combination of the table's constants by currency-equality flags (free
// once the flags exist), then multiplied by the total's bits with one variable-base ladder
// (EscalarMulAny). Measured at totalBits = 42: 1,216 constraints; the alternative, a fixed-base
// multiplication per currency with the one selected by a mask, is 1,375 for 6 currencies and grows
// with every currency. salt·H is a fixed-base multiplication (EscalarMulFix, 3-bit windows).
//
// Soundness of the ladder: the selected point is never the identity (Σ flags = 1 and no generator
// has x = 0), and the Montgomery ladder's additions never meet equal points for a scalar below 2^148,
// so its incomplete formulas cannot be satisfied by a wrong result.
template ChargeCommitment(totalBits) {
    signal input total;     // < 2^totalBits (the caller's bound)
    signal input currency;
    signal input salt;      // < 2^251 (the prover takes it mod l)
    signal output out[2];

    var k = CURRENCY_COUNT();
    var codes[k] = CURRENCY_CODES();
    var gens[k][2] = CURRENCY_GENERATORS();
    var hBase[2] = PEDERSEN_H();

    component is[k];
    var one = 0;
    var gx = 0;
    var gy = 0;
    for (var i = 0; i < k; i++) {
        is[i] = IsEqual();
        is[i].in[0] <== currency;
        is[i].in[1] <== codes[i];
        one += is[i].out;
        gx += is[i].out * gens[i][0];
        gy += is[i].out * gens[i][1];
    }
    one === 1;  // the currency is one of the table's

    component totalBitsOf = Num2Bits(totalBits);
    totalBitsOf.in <== total;
    component tg = EscalarMulAny(totalBits);
    for (var i = 0; i < totalBits; i++) tg.e[i] <== totalBitsOf.out[i];
    tg.p[0] <== gx;
    tg.p[1] <== gy;

    component saltBits = Num2Bits(251);
    saltBits.in <== salt;
    component sh = EscalarMulFix(251, hBase);
    for (var i = 0; i < 251; i++) sh.e[i] <== saltBits.out[i];

    component add = BabyAdd();
    add.x1 <== tg.out[0];
    add.y1 <== tg.out[1];
    add.x2 <== sh.out[0];
    add.y2 <== sh.out[1];
    out[0] <== add.xout;
    out[1] <== add.yout;
}
