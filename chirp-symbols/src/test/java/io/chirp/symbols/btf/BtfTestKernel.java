package io.chirp.symbols.btf;

import io.chirp.symbols.types.TypeModel;

/** The miniature kernel of {@link BtfParserTest}, parsed, for tests in other packages. */
public final class BtfTestKernel {
    private BtfTestKernel() {}

    public static TypeModel model() { return BtfParser.parse(BtfParserTest.kernel().blob()); }
}
