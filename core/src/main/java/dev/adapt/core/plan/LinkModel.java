package dev.adapt.core.plan;

import dev.adapt.core.wire.WireEncoding;

/**
 * The devices a pipeline runs on, for plans that weigh links as well as compute: every stage runs
 * on a device of the same speed behind a link of the same bandwidth.
 *
 * <p>A stage's time per item is {@code max(work / deviceWorkPerSecond, max(in, out) /
 * linkBytesPerSecond)}, with {@code in} and {@code out} the wire bytes of its input and output. The
 * maximum of compute and transfer, not their sum: a worker sends a batch's output over gRPC while
 * it computes the next batch, and with batches in flight (one per stage by default) a stage
 * receives its next input meanwhile as well, so the slower of the two sets the pace. The maximum of
 * input and output, not their sum: links are full duplex (Ethernet, and the emulated devices of
 * {@code adapt bench --devices}, whose veths are shaped separately in each direction), so a device
 * receives at full speed while it sends.
 *
 * @param linkBytesPerSecond each device's link speed, in each direction
 * @param deviceWorkPerSecond how much of the segment costs a device does per second: FLOP/s when
 *     the plan balances FLOPs
 * @param encoding how activations travel between stages, for their expected size on the wire
 */
public record LinkModel(
    double linkBytesPerSecond, double deviceWorkPerSecond, WireEncoding encoding) {

  public LinkModel {
    if (!(linkBytesPerSecond > 0) || Double.isInfinite(linkBytesPerSecond)) {
      throw new IllegalArgumentException(
          "a link needs a positive bandwidth, not " + linkBytesPerSecond);
    }
    if (!(deviceWorkPerSecond > 0) || Double.isInfinite(deviceWorkPerSecond)) {
      throw new IllegalArgumentException(
          "a device needs a positive speed, not " + deviceWorkPerSecond);
    }
    if (encoding == null) {
      throw new IllegalArgumentException("no wire encoding given");
    }
  }

  /** Links of {@code bitsPerSecond} and devices doing {@code flopsPerSecond}. */
  public static LinkModel ofBits(long bitsPerSecond, double flopsPerSecond, WireEncoding encoding) {
    return new LinkModel(bitsPerSecond / 8.0, flopsPerSecond, encoding);
  }

  /**
   * The same devices for segment costs of another unit: {@code unitsPerWork} of them per unit of
   * this model's work (for costs measured in microseconds on this machine, microseconds per FLOP).
   */
  public LinkModel inUnits(double unitsPerWork) {
    return new LinkModel(linkBytesPerSecond, deviceWorkPerSecond * unitsPerWork, encoding);
  }

  public double computeSeconds(double work) {
    return work / deviceWorkPerSecond;
  }

  public double transferSeconds(long inWireBytes, long outWireBytes) {
    return Math.max(inWireBytes, outWireBytes) / linkBytesPerSecond;
  }

  public double stageSeconds(double work, long inWireBytes, long outWireBytes) {
    return Math.max(computeSeconds(work), transferSeconds(inWireBytes, outWireBytes));
  }
}
