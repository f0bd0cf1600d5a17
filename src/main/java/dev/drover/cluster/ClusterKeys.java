package dev.drover.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The key material of a Drover cluster: a certificate authority ({@code ca.crt}, {@code ca.key})
 * and the node certificate it signed ({@code tls.crt}, {@code tls.key}), PEM files in one
 * directory (mode 0700, files 0600). Artery runs over TLS with mutual authentication
 * (Pekko's {@code RotatingKeysSSLEngineProvider}): a process connects to a member, or accepts a
 * connection, only with a certificate the cluster's CA signed and the cluster's subject name, so
 * a local user who cannot read the directory cannot join, lease a worker or send a message.
 *
 * <p>Every node of a cluster uses the same material: {@code drover cluster-keys init DIR} makes
 * it once, and each host gets a copy ({@code --cluster-keys DIR}). A node without
 * {@code --cluster-keys} uses {@code <data>/cluster-keys}, created at its first start: a cluster
 * of that node, its workers and local clients given the same directory.
 */
public final class ClusterKeys {
  /** The CA certificate every member trusts. */
  public static final String CA_CERT = "ca.crt";
  /** The CA's private key: needed only to issue node certificates (rotation). */
  public static final String CA_KEY = "ca.key";
  /** The node certificate a member presents. */
  public static final String CERT = "tls.crt";
  /** The node certificate's private key (unencrypted PKCS#8, as Pekko reads it). */
  public static final String KEY = "tls.key";
  /** The subject name every node certificate carries; members check each other's. */
  public static final String SUBJECT = "drover-cluster";

  private static final Set<PosixFilePermission> OWNER_ONLY_DIR =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> OWNER_ONLY_FILE =
      PosixFilePermissions.fromString("rw-------");
  private static final String ENGINE = "pekko.remote.artery.ssl.rotating-keys-engine";
  // 2048 bits: a first start generates two keys, and a node handshakes once per peer connection
  private static final int KEY_BITS = 2048;
  private static final Duration CA_VALIDITY = Duration.ofDays(3650);
  private static final Duration NODE_VALIDITY = Duration.ofDays(825);

  private final Path dir;
  private final X509Certificate ca;
  private final X509Certificate cert;

  private ClusterKeys(Path dir, X509Certificate ca, X509Certificate cert) {
    this.dir = dir;
    this.ca = ca;
    this.cert = cert;
  }

  /** The directory holding the material. */
  public Path directory() {
    return dir;
  }

  /** When the node certificate expires. */
  public Instant notAfter() {
    return cert.getNotAfter().toInstant();
  }

  /** The CA certificate's SHA-256 fingerprint, to compare the material of two hosts. */
  public String caFingerprint() {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(ca.getEncoded());
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < digest.length; i++) {
        sb.append(i == 0 ? "" : ":").append(String.format("%02X", digest[i]));
      }
      return sb.toString();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- configuration ----

  /**
   * Where the node's material is: {@code drover.cluster.keys}, or {@code <drover.data-dir>/
   * cluster-keys} when that is empty.
   */
  public static Path directory(Config config) {
    String keys = config.getString("drover.cluster.keys");
    return (keys.isEmpty() ? Path.of(config.getString("drover.data-dir")).resolve("cluster-keys")
        : Path.of(keys)).toAbsolutePath().normalize();
  }

  /**
   * {@code config} with Artery's transport set: with {@code drover.cluster.tls} on (the default),
   * TLS with mutual authentication over the material of {@link #directory(Config)}, which is
   * created when it is the data directory's and missing, and checked either way; off, plain TCP.
   *
   * @throws InvalidClusterKeys when the material is missing, unreadable, too open or inconsistent
   */
  public static Config configure(Config config) {
    if (!config.getBoolean("drover.cluster.tls")) {
      return config.withValue("pekko.remote.artery.transport", ConfigValueFactory.fromAnyRef("tcp"));
    }
    Path dir = directory(config);
    boolean own = config.getString("drover.cluster.keys").isEmpty();
    ClusterKeys keys = own ? loadOrCreate(dir) : load(dir);
    return keys.applyTo(config);
  }

  /** {@code config} with the TLS transport reading this material. */
  public Config applyTo(Config config) {
    return config
        .withValue("pekko.remote.artery.transport", ConfigValueFactory.fromAnyRef("tls-tcp"))
        .withValue("pekko.remote.artery.ssl.ssl-engine-provider", ConfigValueFactory.fromAnyRef(
            "org.apache.pekko.remote.artery.tcp.ssl.RotatingKeysSSLEngineProvider"))
        .withValue(ENGINE + ".key-file", path(KEY))
        .withValue(ENGINE + ".cert-file", path(CERT))
        .withValue(ENGINE + ".ca-cert-file", path(CA_CERT));
  }

  private com.typesafe.config.ConfigValue path(String file) {
    return ConfigValueFactory.fromAnyRef(dir.resolve(file).toString());
  }

  // ---- loading ----

  /** The material in {@code dir}, created first when the directory does not exist. */
  public static ClusterKeys loadOrCreate(Path dir) {
    if (!Files.exists(dir)) {
      try {
        return init(dir);
      } catch (FileAlreadyExistsException raced) {
        // another process of this node (a worker, a second command) created it meanwhile
      } catch (IOException e) {
        throw new InvalidClusterKeys("cannot create cluster keys in " + dir + ": " + e, e);
      }
    }
    return load(dir);
  }

  /**
   * The material in {@code dir}, checked: every file present and readable only by its owner,
   * the node certificate valid, signed by the CA and matching its private key.
   *
   * @throws InvalidClusterKeys saying what is wrong and how to fix it
   */
  public static ClusterKeys load(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    if (!Files.isDirectory(abs)) {
      throw new InvalidClusterKeys("cluster keys directory " + abs + " does not exist; create "
          + "the material with `drover cluster-keys init " + abs + "`");
    }
    ownerOnly(abs, true);
    for (String f : List.of(CA_CERT, CERT, KEY)) {
      Path file = abs.resolve(f);
      if (!Files.isRegularFile(file)) {
        throw new InvalidClusterKeys("cluster keys: " + file + " is missing; create the material "
            + "with `drover cluster-keys init DIR` (or copy the cluster's)");
      }
      ownerOnly(file, false);
    }
    if (Files.exists(abs.resolve(CA_KEY))) {
      ownerOnly(abs.resolve(CA_KEY), false);
    }
    X509Certificate ca = certificate(abs.resolve(CA_CERT));
    X509Certificate cert = certificate(abs.resolve(CERT));
    PrivateKey key = privateKey(abs.resolve(KEY));
    try {
      cert.checkValidity();
    } catch (GeneralSecurityException e) {
      throw new InvalidClusterKeys("cluster keys: " + abs.resolve(CERT) + " is not valid now ("
          + e.getMessage() + "); issue a new one (see README, \"Rotating the cluster keys\")");
    }
    try {
      cert.verify(ca.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new InvalidClusterKeys("cluster keys: " + abs.resolve(CERT) + " is not signed by "
          + abs.resolve(CA_CERT) + "; the files come from different clusters");
    }
    if (!matches(key, cert.getPublicKey())) {
      throw new InvalidClusterKeys("cluster keys: " + abs.resolve(KEY) + " is not the key of "
          + abs.resolve(CERT));
    }
    return new ClusterKeys(abs, ca, cert);
  }

  private static void ownerOnly(Path path, boolean directory) {
    Set<PosixFilePermission> perms;
    try {
      perms = Files.getPosixFilePermissions(path);
    } catch (IOException e) {
      throw new InvalidClusterKeys("cluster keys: cannot read " + path + ": " + e.getMessage(), e);
    }
    boolean open = perms.stream().anyMatch(p -> p.name().startsWith("GROUP_")
        || p.name().startsWith("OTHERS_"));
    if (open) {
      throw new InvalidClusterKeys("cluster keys: " + path + " is accessible to other users ("
          + PosixFilePermissions.toString(perms) + "); run `chmod " + (directory ? "700" : "600")
          + " " + path + "`");
    }
  }

  private static X509Certificate certificate(Path file) {
    Object pem = readPem(file);
    if (!(pem instanceof X509CertificateHolder holder)) {
      throw new InvalidClusterKeys("cluster keys: " + file + " holds no PEM certificate");
    }
    try {
      return new JcaX509CertificateConverter().getCertificate(holder);
    } catch (GeneralSecurityException e) {
      throw new InvalidClusterKeys("cluster keys: " + file + " is not a valid certificate: "
          + e.getMessage(), e);
    }
  }

  private static PrivateKey privateKey(Path file) {
    Object pem = readPem(file);
    try {
      if (pem instanceof PrivateKeyInfo info) {
        return new JcaPEMKeyConverter().getPrivateKey(info);
      }
      if (pem instanceof PEMKeyPair pair) {
        return new JcaPEMKeyConverter().getKeyPair(pair).getPrivate();
      }
    } catch (IOException e) {
      throw new InvalidClusterKeys("cluster keys: " + file + " is not a valid private key: "
          + e.getMessage(), e);
    }
    throw new InvalidClusterKeys("cluster keys: " + file + " holds no unencrypted PEM private key");
  }

  private static Object readPem(Path file) {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(reader)) {
      return parser.readObject();
    } catch (IOException | RuntimeException e) {
      throw new InvalidClusterKeys("cluster keys: cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static boolean matches(PrivateKey key, PublicKey pub) {
    if (key instanceof RSAPrivateCrtKey rsa
        && pub instanceof java.security.interfaces.RSAPublicKey rsaPub) {
      return rsa.getModulus().equals(rsaPub.getModulus())
          && rsa.getPublicExponent().equals(rsaPub.getPublicExponent());
    }
    return false;
  }

  // ---- creating ----

  /**
   * Creates a new CA and a node certificate in {@code dir}, which must not exist yet (the files
   * are written to a sibling directory first and moved into place in one step).
   *
   * @throws FileAlreadyExistsException when {@code dir} exists
   */
  public static ClusterKeys init(Path dir) throws IOException {
    Path target = dir.toAbsolutePath().normalize();
    if (Files.exists(target)) {
      throw new FileAlreadyExistsException(target.toString(), null,
          "cluster keys exist already; remove them first to start a new cluster");
    }
    Files.createDirectories(target.getParent());
    Path staging = target.resolveSibling("." + target.getFileName() + "-" + UUID.randomUUID());
    Files.createDirectory(staging, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
    try {
      KeyPair caPair = rsa();
      X509Certificate ca = caCertificate(caPair);
      write(staging.resolve(CA_KEY), caPair.getPrivate());
      write(staging.resolve(CA_CERT), ca);
      issueInto(staging, ca, caPair.getPrivate());
      try {
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(staging, target);
      }
    } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException raced) {
      deleteQuietly(staging);
      throw new FileAlreadyExistsException(target.toString());
    } catch (IOException | RuntimeException e) {
      deleteQuietly(staging);
      throw e;
    }
    return load(target);
  }

  /**
   * Issues a new node certificate and key into {@code dir} with the CA found there (its
   * {@code ca.key} is needed): the rotation of a node's key under the same CA. The old files are
   * replaced in one step each; members pick the new ones up within
   * {@code ssl-context-cache-ttl}.
   */
  public static ClusterKeys renew(Path dir) throws IOException {
    ClusterKeys current = load(dir);
    Path caKey = current.dir.resolve(CA_KEY);
    if (!Files.exists(caKey)) {
      throw new InvalidClusterKeys("cluster keys: " + caKey + " is missing; renew on the host "
          + "that keeps the CA's key, then copy tls.crt and tls.key");
    }
    PrivateKey caPrivate = privateKey(caKey);
    issueInto(current.dir, current.ca, caPrivate);
    return load(current.dir);
  }

  private static void issueInto(Path dir, X509Certificate ca, PrivateKey caKey)
      throws IOException {
    KeyPair node = rsa();
    X509Certificate cert = nodeCertificate(node, ca, caKey);
    writeReplacing(dir.resolve(KEY), node.getPrivate());
    writeReplacing(dir.resolve(CERT), cert);
  }

  private static KeyPair rsa() {
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
      gen.initialize(KEY_BITS, new SecureRandom());
      return gen.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot generate RSA keys", e);
    }
  }

  private static X509Certificate caCertificate(KeyPair pair) {
    X500Name name = new X500Name("CN=" + SUBJECT + "-ca-" + UUID.randomUUID());
    Instant now = Instant.now();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(),
          Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(CA_VALIDITY)), name,
          pair.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      b.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(Extension.subjectKeyIdentifier, false,
          ext.createSubjectKeyIdentifier(pair.getPublic()));
      return sign(b, pair.getPrivate());
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot create the cluster's CA certificate", e);
    }
  }

  private static X509Certificate nodeCertificate(KeyPair node, X509Certificate ca,
      PrivateKey caKey) {
    Instant now = Instant.now();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca, serial(),
          Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(NODE_VALIDITY)),
          new X500Name("CN=" + SUBJECT), node.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
          new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      b.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(new GeneralName(GeneralName.dNSName, SUBJECT)));
      b.addExtension(Extension.authorityKeyIdentifier, false,
          ext.createAuthorityKeyIdentifier(ca));
      return sign(b, caKey);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot issue the node certificate", e);
    }
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder builder, PrivateKey key)
      throws GeneralSecurityException {
    try {
      ContentSigner signer = new JcaContentSignerBuilder("SHA256withRSA").build(key);
      return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(127, new SecureRandom()).add(BigInteger.ONE);
  }

  private static void write(Path file, Object pemObject) throws IOException {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
      // a private key as unencrypted PKCS#8 ("PRIVATE KEY"), which Pekko's PEM reader takes
      pem.writeObject(pemObject instanceof PrivateKey k
          ? new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY", k.getEncoded()) : pemObject);
    }
    Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
    Files.writeString(file, text.toString(), StandardCharsets.US_ASCII);
  }

  private static void writeReplacing(Path file, Object pemObject) throws IOException {
    Path next = file.resolveSibling("." + file.getFileName() + "-" + UUID.randomUUID());
    try {
      write(next, pemObject);
      Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(next);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // best effort: a staging directory is named so nothing reads it
        }
      });
    } catch (NoSuchFileException gone) {
      // nothing to clean up
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
