pragma circom 2.1.0;

// A Groth16 statement about one fixed-size chunk of a CDR batch (docs/proofs.md):
//
//   public   root, count, periodStart, periodEnd, totalsCommitment, chargeCommitment[2]
//   private  per record: pseudonym, service, startTime, durationSec, volumeBytes, charge, tariffId, salt
//            per chunk:  currency, totalsSalt, chargeSalt
//
//   - records 0..count-1 are real, the rest padding (1 <= count <= N);
//   - leaf i = Poseidon(pseudonym, usage, charge, meta, salt) for a real record, 0 for padding, where
//       usage = service | startTime << 3 | durationSec << 40 | volumeBytes << 57,  meta = currency | tariffId << 16
//     exactly as src/cdr/derive.ts commits (every field range-checked, so the packing is unique);
//   - every real record's charge, duration and volume are within the CDR limits (src/cdr/validate.ts),
//     its service is 0..4 and its start time lies in [periodStart, periodEnd);
//   - root is the Poseidon(2) Merkle root of the N leaves (assembly/poseidon/merkle.ts: zero leaves pad,
//     so a chunk's root is the batch tree's node above those N leaves);
//   - totalsCommitment = Poseidon(currency, Σ charge, Σ durationSec, Σ volumeBytes, totalsSalt) over the
//     real records: every record of the chunk is in `currency`;
//   - chargeCommitment = (Σ charge)·G_currency + chargeSalt·H on Baby Jubjub (charge-commitment.circom),
//     G_currency selected from the table by the private currency: a Pedersen commitment the ledger can
//     add up (the aggregate of a pair's proven chunks, docs/proofs.md §7).

include "poseidon.circom";
include "bitify.circom";
include "comparators.circom";
include "charge-commitment.circom";

// x fits in n bits and x <= max (a constant below 2^n). Sound because 2^n is far below the field
// order: max - x for x > max wraps to a field element of ~254 bits, which has no n-bit decomposition.
template BoundedBy(n, max) {
    signal input in;
    component fits = Num2Bits(n);
    fits.in <== in;
    component below = Num2Bits(n);
    below.in <== max - in;
}

// The commitment of one record, and its range checks. Returns the leaf and the values the totals sum.
template RecordLeaf() {
    signal input pseudonym;
    signal input service;
    signal input startTime;
    signal input durationSec;
    signal input volumeBytes;
    signal input charge;
    signal input currency;
    signal input tariffId;
    signal input salt;
    signal output commitment;

    // Bit widths of the packed fields (derive.ts): service 3, startTime 37, durationSec 17, volumeBytes from bit 57.
    component serviceRange = BoundedBy(3, 4);
    serviceRange.in <== service;
    component startRange = Num2Bits(37);
    startRange.in <== startTime;
    component durationRange = BoundedBy(17, 86400);
    durationRange.in <== durationSec;
    component volumeRange = BoundedBy(41, 1099511627776);      // 2^40
    volumeRange.in <== volumeBytes;
    component chargeRange = BoundedBy(40, 1000000000000);      // 10^12 minor units
    chargeRange.in <== charge;
    component tariffRange = Num2Bits(32);
    tariffRange.in <== tariffId;

    signal usage <== service + startTime * 8 + durationSec * 1099511627776 + volumeBytes * 144115188075855872;
    signal meta <== currency + tariffId * 65536;

    component h = Poseidon(5);
    h.inputs[0] <== pseudonym;
    h.inputs[1] <== usage;
    h.inputs[2] <== charge;
    h.inputs[3] <== meta;
    h.inputs[4] <== salt;
    commitment <== h.out;
}

// Root of a complete binary tree of 2^levels leaves, node = Poseidon(left, right).
template MerkleRoot(levels) {
    var n = 1 << levels;
    signal input leaves[n];
    signal output root;

    if (levels == 0) {
        root <== leaves[0];
    } else {
        component nodes[n - 1];
        signal level[2 * n - 1];  // level[0..n) leaves, then each level's nodes, root last
        for (var i = 0; i < n; i++) level[i] <== leaves[i];
        for (var j = 0; j < n - 1; j++) {
            nodes[j] = Poseidon(2);
            nodes[j].inputs[0] <== level[2 * j];
            nodes[j].inputs[1] <== level[2 * j + 1];
            level[n + j] <== nodes[j].out;
        }
        root <== level[2 * n - 2];
    }
}

template BatchChunk(levels) {
    var n = 1 << levels;

    signal input root;
    signal input count;
    signal input periodStart;
    signal input periodEnd;
    signal input totalsCommitment;
    signal input chargeCommitment[2];

    signal input pseudonym[n];
    signal input service[n];
    signal input startTime[n];
    signal input durationSec[n];
    signal input volumeBytes[n];
    signal input charge[n];
    signal input tariffId[n];
    signal input salt[n];
    signal input currency;
    signal input totalsSalt;
    signal input chargeSalt;

    // 1 <= count <= n.
    component countRange = BoundedBy(levels + 1, n - 1);
    countRange.in <== count - 1;
    component periodStartRange = Num2Bits(40);
    periodStartRange.in <== periodStart;
    component periodEndRange = Num2Bits(40);
    periodEndRange.in <== periodEnd;
    component currencyRange = Num2Bits(16);
    currencyRange.in <== currency;

    component real[n];
    component leaf[n];
    component afterStart[n];
    component beforeEnd[n];
    signal leaves[n];
    signal sinceStart[n];
    signal untilEnd[n];
    signal chargeOf[n];
    signal durationOf[n];
    signal volumeOf[n];
    var chargeTotal = 0;
    var durationTotal = 0;
    var volumeTotal = 0;

    for (var i = 0; i < n; i++) {
        // real[i].out = (i < count): records come first, padding after.
        real[i] = LessThan(levels + 1);
        real[i].in[0] <== i;
        real[i].in[1] <== count;

        leaf[i] = RecordLeaf();
        leaf[i].pseudonym <== pseudonym[i];
        leaf[i].service <== service[i];
        leaf[i].startTime <== startTime[i];
        leaf[i].durationSec <== durationSec[i];
        leaf[i].volumeBytes <== volumeBytes[i];
        leaf[i].charge <== charge[i];
        leaf[i].currency <== currency;
        leaf[i].tariffId <== tariffId[i];
        leaf[i].salt <== salt[i];
        leaves[i] <== real[i].out * leaf[i].commitment;

        // periodStart <= startTime < periodEnd for real records (both sides below 2^40).
        sinceStart[i] <== real[i].out * (startTime[i] - periodStart);
        afterStart[i] = Num2Bits(40);
        afterStart[i].in <== sinceStart[i];
        untilEnd[i] <== real[i].out * (periodEnd - 1 - startTime[i]);
        beforeEnd[i] = Num2Bits(40);
        beforeEnd[i].in <== untilEnd[i];

        chargeOf[i] <== real[i].out * charge[i];
        durationOf[i] <== real[i].out * durationSec[i];
        volumeOf[i] <== real[i].out * volumeBytes[i];
        chargeTotal += chargeOf[i];
        durationTotal += durationOf[i];
        volumeTotal += volumeOf[i];
    }

    component tree = MerkleRoot(levels);
    for (var i = 0; i < n; i++) tree.leaves[i] <== leaves[i];
    root === tree.root;

    // Sums cannot wrap: n <= 2^16 records of < 2^41 each stay below 2^57.
    component totals = Poseidon(5);
    totals.inputs[0] <== currency;
    totals.inputs[1] <== chargeTotal;
    totals.inputs[2] <== durationTotal;
    totals.inputs[3] <== volumeTotal;
    totals.inputs[4] <== totalsSalt;
    totalsCommitment === totals.out;

    // Each charge <= 10^12 < 2^40, so the sum of 2^levels charges is below 2^(40 + levels).
    component pedersen = ChargeCommitment(40 + levels);
    pedersen.total <== chargeTotal;
    pedersen.currency <== currency;
    pedersen.salt <== chargeSalt;
    chargeCommitment[0] === pedersen.out[0];
    chargeCommitment[1] === pedersen.out[1];
}
