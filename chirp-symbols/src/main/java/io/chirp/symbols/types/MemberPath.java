package io.chirp.symbols.types;

import java.util.List;

/**
 * A resolved dotted member path, e.g. {@code sock.__sk_common.skc_dport}, with the anonymous structs and unions
 * crossed on the way made explicit.
 *
 * @param chain        the members crossed, outermost first (anonymous ones included)
 * @param bitOffset    offset of the last member from the start of the outer struct, in bits
 * @param type         the last member's type id
 * @param bitfieldSize width of the last member if it is a bitfield, else 0
 */
public record MemberPath(List<BtfType.Member> chain, long bitOffset, int type, int bitfieldSize) {
    public MemberPath { chain = List.copyOf(chain); }

    /** {@return the byte offset (for a bitfield: of the byte holding its first bit)} */
    public long byteOffset() { return bitOffset >>> 3; }

    /** {@return true if the member is a bitfield} */
    public boolean isBitfield() { return bitfieldSize != 0; }
}
