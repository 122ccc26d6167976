pragma circom 2.1.0;

// The bilateral link (docs/proofs.md §8, issue 14 item 3 phase 3): a pair's statement commitment C holds
// the net of the pair's settled lines, each line converted exactly as convertMinorUnits does, and per
// billing direction and currency the lines plus an exclusion make the charge total the chain's proven
// aggregate of that direction holds. Nothing of it is public but the points and the rates.
//
// Directions: 0 = billed by the pair's first operator (its aggregate A(first -> second): second owes),
// 1 = billed by the second (A(second -> first): first owes). C = (firstOwesSecond - secondOwesFirst)·G + r·H,
// so d = Σ gross(direction 1) - Σ gross(direction 0).

include "bitify.circom";
include "comparators.circom";
include "babyjub.circom";
include "escalarmulfix.circom";
include "currency-generators.circom";

// T < 2^50 per currency (10^13 euros in cents): the aggregate's charge total; a larger one has no proof.
function LINK_AMOUNT_BITS() { return 50; }
// gross < 2^64 per line; |d| < 2^64 (the statement's d is shifted by 2^64, see below).
function LINK_GROSS_BITS() { return 64; }
// rateMul, rateDiv < 2^64 (the verifier refuses a rate set beyond it), so 2·D < 2^65.
function LINK_RATE_BITS() { return 64; }

// A = Σ_cur T_cur·G_cur + S·H, each T_cur < 2^50. EscalarMulFix's last step is a complete Edwards
// addition, so a zero total (a currency the direction did not bill) is the identity.
template AggregateOpens() {
    signal input total[CURRENCY_COUNT()];
    signal input blinding;      // < 2^251 (the prover takes it mod l)
    signal output out[2];

    var k = CURRENCY_COUNT();
    var gens[k][2] = CURRENCY_GENERATORS();
    var hBase[2] = PEDERSEN_H();
    var n = LINK_AMOUNT_BITS();

    component bits[k];
    component mul[k];
    component add[k];
    component sBits = Num2Bits(251);
    sBits.in <== blinding;
    component sh = EscalarMulFix(251, hBase);
    for (var i = 0; i < 251; i++) sh.e[i] <== sBits.out[i];
    for (var c = 0; c < k; c++) {
        bits[c] = Num2Bits(n);
        bits[c].in <== total[c];
        mul[c] = EscalarMulFix(n, gens[c]);
        for (var i = 0; i < n; i++) mul[c].e[i] <== bits[c].out[i];
        add[c] = BabyAdd();
        if (c == 0) {
            add[c].x1 <== sh.out[0];
            add[c].y1 <== sh.out[1];
        } else {
            add[c].x1 <== add[c - 1].xout;
            add[c].y1 <== add[c - 1].yout;
        }
        add[c].x2 <== mul[c].out[0];
        add[c].y2 <== mul[c].out[1];
    }
    out[0] <== add[k - 1].xout;
    out[1] <== add[k - 1].yout;
}

// gross = amount·M / D rounded half to even, M = num·10^exp(to), D = den·10^exp(from) (public, D >= 1).
// With e = 2·amount·M - 2·gross·D: |e| <= D, and e = ±D (a tie) only for an even gross.
template ConvertLine() {
    signal input amount;    // range-checked by the caller
    signal input gross;
    signal input rateMul;
    signal input rateDiv;

    var rb = LINK_RATE_BITS();
    component g = Num2Bits(LINK_GROSS_BITS());   // bounded, so 2·gross·D cannot wrap the field
    g.in <== gross;
    signal am <== amount * rateMul;
    signal gd <== gross * rateDiv;
    signal e <== 2 * am - 2 * gd;
    // e + D and D - e in [0, 2D] (both < 2^65 and summing to 2D: integers, no wrap): |e| <= D.
    component lo = Num2Bits(rb + 1);
    lo.in <== e + rateDiv;
    component hi = Num2Bits(rb + 1);
    hi.in <== rateDiv - e;
    component tieLo = IsZero();
    tieLo.in <== e + rateDiv;
    component tieHi = IsZero();
    tieHi.in <== rateDiv - e;
    (tieLo.out + tieHi.out) * g.out[0] === 0;   // a tie rounds to the even neighbour
}

// K lines per (direction, currency): 5 (one per service) in the full circuit.
template BilateralLink(K) {
    var k = CURRENCY_COUNT();
    var n = LINK_AMOUNT_BITS();
    var gBase[2] = [5299619240641551281634865583518297030282874472190772894086521144482721001553,
                    16950150798460657717958625567821834550301663161624707787222815936182638968203];
    var hBase[2] = PEDERSEN_H();

    signal input billedByFirst[2];    // A(first -> second), from state
    signal input billedBySecond[2];   // A(second -> first), from state
    signal input statement[2];        // C + 2^64·G, built by the verifier from the statement's C
    signal input rateMul[k];          // per currency (table order): num·10^exp(settlement currency)
    signal input rateDiv[k];          // per currency: den·10^exp(currency); 10^exp both for the settlement currency

    signal input total[2][k];         // the aggregates' openings
    signal input aggregateBlinding[2];
    signal input line[2][k][K];       // settled line amounts, minor units of the currency
    signal input exclusion[2][k];     // billed and proven, not settled (disputes)
    signal input gross[2][k][K];      // the lines converted
    signal input blinding;            // the statement's r

    component agg[2];
    for (var dir = 0; dir < 2; dir++) {
        agg[dir] = AggregateOpens();
        for (var c = 0; c < k; c++) agg[dir].total[c] <== total[dir][c];
        agg[dir].blinding <== aggregateBlinding[dir];
    }
    agg[0].out[0] === billedByFirst[0];
    agg[0].out[1] === billedByFirst[1];
    agg[1].out[0] === billedBySecond[0];
    agg[1].out[1] === billedBySecond[1];

    component lineBits[2][k][K];
    component exclusionBits[2][k];
    component convert[2][k][K];
    var sum[2] = [0, 0];
    for (var dir = 0; dir < 2; dir++) {
        for (var c = 0; c < k; c++) {
            var settled = 0;
            for (var j = 0; j < K; j++) {
                lineBits[dir][c][j] = Num2Bits(n);
                lineBits[dir][c][j].in <== line[dir][c][j];
                convert[dir][c][j] = ConvertLine();
                convert[dir][c][j].amount <== line[dir][c][j];
                convert[dir][c][j].gross <== gross[dir][c][j];
                convert[dir][c][j].rateMul <== rateMul[c];
                convert[dir][c][j].rateDiv <== rateDiv[c];
                settled += line[dir][c][j];
                sum[dir] += gross[dir][c][j];
            }
            // 0 <= exclusion and every line >= 0, all < 2^50: the lines never exceed the proven total.
            exclusionBits[dir][c] = Num2Bits(n);
            exclusionBits[dir][c].in <== exclusion[dir][c];
            settled + exclusion[dir][c] === total[dir][c];
        }
    }

    // d = firstOwesSecond - secondOwesFirst, shifted by 2^64 so the scalar is never negative (a field
    // negative is not the group's -|d|: p is not l). The sums are < 2^70, so a d below -2^64 is a huge
    // field element and has no 65-bit decomposition.
    component dBits = Num2Bits(LINK_GROSS_BITS() + 1);
    dBits.in <== (1 << LINK_GROSS_BITS()) + sum[1] - sum[0];
    component dg = EscalarMulFix(LINK_GROSS_BITS() + 1, gBase);
    for (var i = 0; i < LINK_GROSS_BITS() + 1; i++) dg.e[i] <== dBits.out[i];
    component rBits = Num2Bits(251);
    rBits.in <== blinding;
    component rh = EscalarMulFix(251, hBase);
    for (var i = 0; i < 251; i++) rh.e[i] <== rBits.out[i];
    component c2 = BabyAdd();
    c2.x1 <== dg.out[0];
    c2.y1 <== dg.out[1];
    c2.x2 <== rh.out[0];
    c2.y2 <== rh.out[1];
    c2.xout === statement[0];
    c2.yout === statement[1];
}
