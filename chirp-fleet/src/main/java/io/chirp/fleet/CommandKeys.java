package io.chirp.fleet;

import io.chirp.core.ChirpException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * The server's command-signing key: an Ed25519 pair made at the server's first start with Kafka, the private half
 * owner-only in the server's folder ({@code fleet-command.key}), the public half beside it
 * ({@code fleet-command.pub}, one line of base64 X.509), which each sensor is given ({@code --server-key}).
 */
public final class CommandKeys {
    /** The private key's file name in the server's folder. */
    public static final String PRIVATE = "fleet-command.key";
    /** The public key's file name beside it. */
    public static final String PUBLIC = "fleet-command.pub";

    private CommandKeys() {}

    /** {@return the key pair in {@code dir}, made there first if there is none} */
    public static KeyPair loadOrCreate(Path dir) {
        Path priv = dir.resolve(PRIVATE), pub = dir.resolve(PUBLIC);
        try {
            if (Files.exists(priv)) {
                KeyFactory f = KeyFactory.getInstance("Ed25519");
                byte[] p = Base64.getDecoder().decode(Files.readString(priv, StandardCharsets.UTF_8).strip());
                return new KeyPair(readPublic(pub), f.generatePrivate(new PKCS8EncodedKeySpec(p)));
            }
            KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            Files.createDirectories(dir);
            Path tmp = dir.resolve(PRIVATE + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, Base64.getEncoder().encodeToString(kp.getPrivate().getEncoded()) + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
            Files.writeString(pub, Base64.getEncoder().encodeToString(kp.getPublic().getEncoded()) + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, priv, java.nio.file.StandardCopyOption.ATOMIC_MOVE); // the pair exists whole or not at all
            return kp;
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw ChirpException.io("cannot load or make the command-signing key in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** {@return the public key in {@code file} (one line of base64 X.509, as {@link #loadOrCreate} writes it)} */
    public static PublicKey readPublic(Path file) {
        try {
            byte[] b = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.UTF_8).strip());
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(b));
        } catch (IOException e) {
            throw ChirpException.io("cannot read the server's command key " + file + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw ChirpException.corrupt("the server's command key " + file + " is not an Ed25519 public key: " + e.getMessage());
        }
    }
}
