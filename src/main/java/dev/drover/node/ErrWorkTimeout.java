package dev.drover.node;

/**
 * Work ran past its timeout and was cancelled; when its handler did not stop within
 * {@code cancel-grace-period}, its worker was replaced and the lease is lost too.
 */
public class ErrWorkTimeout extends ErrWorker {
  public ErrWorkTimeout(String message) {
    super(message);
  }
}
