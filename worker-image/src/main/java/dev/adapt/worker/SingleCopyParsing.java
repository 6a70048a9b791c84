package dev.adapt.worker;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;

/**
 * Parses a call's request with one copy of its bytes: the whole message is read into one array and
 * its {@code bytes} fields are views of that array.
 *
 * <p>grpc's protobuf marshaller copies every {@code bytes} field twice: messages up to 4 MiB are
 * read into a buffer and the field is copied out of it; larger ones are parsed from a stream that
 * gathers the field in 4 KiB arrays and joins them. Activation batches run to tens of megabytes, so
 * this is memory traffic the size of the activation on every hop.
 */
final class SingleCopyParsing<T extends MessageLite> implements MethodDescriptor.Marshaller<T> {
  private final MethodDescriptor.Marshaller<T> standard;
  private final Parser<T> parser;

  private SingleCopyParsing(MethodDescriptor.Marshaller<T> standard, Parser<T> parser) {
    this.standard = standard;
    this.parser = parser;
  }

  /** {@code service} with the requests of {@code method} parsed by this marshaller. */
  static <ReqT extends MessageLite> ServerServiceDefinition forRequestsOf(
      ServerServiceDefinition service, MethodDescriptor<ReqT, ?> method, Parser<ReqT> parser) {
    ServerServiceDefinition.Builder rebuilt =
        ServerServiceDefinition.builder(service.getServiceDescriptor().getName());
    for (ServerMethodDefinition<?, ?> definition : service.getMethods()) {
      if (definition.getMethodDescriptor().getFullMethodName().equals(method.getFullMethodName())) {
        @SuppressWarnings("unchecked")
        ServerMethodDefinition<ReqT, ?> same = (ServerMethodDefinition<ReqT, ?>) definition;
        rebuilt.addMethod(withParser(same, parser));
      } else {
        rebuilt.addMethod(definition);
      }
    }
    return rebuilt.build();
  }

  private static <ReqT extends MessageLite, RespT> ServerMethodDefinition<ReqT, RespT> withParser(
      ServerMethodDefinition<ReqT, RespT> definition, Parser<ReqT> parser) {
    MethodDescriptor<ReqT, RespT> method = definition.getMethodDescriptor();
    return ServerMethodDefinition.create(
        method.toBuilder()
            .setRequestMarshaller(new SingleCopyParsing<>(method.getRequestMarshaller(), parser))
            .build(),
        definition.getServerCallHandler());
  }

  @Override
  public InputStream stream(T value) {
    return standard.stream(value);
  }

  @Override
  public T parse(InputStream stream) {
    if (!(stream instanceof KnownLength)) {
      return standard.parse(stream);
    }
    try {
      int size = stream.available();
      byte[] message = new byte[size];
      if (stream.readNBytes(message, 0, size) != size || stream.read() != -1) {
        throw Status.INTERNAL
            .withDescription("message length differs from the " + size + " bytes announced")
            .asRuntimeException();
      }
      // The array is ours alone and never written again: its bytes fields may alias it.
      CodedInputStream input = UnsafeByteOperations.unsafeWrap(message).newCodedInput();
      input.enableAliasing(true);
      return parser.parseFrom(input);
    } catch (InvalidProtocolBufferException e) {
      throw Status.INTERNAL
          .withDescription("invalid protobuf byte sequence")
          .withCause(e)
          .asRuntimeException();
    } catch (IOException e) {
      throw Status.INTERNAL
          .withDescription("cannot read the message")
          .withCause(e)
          .asRuntimeException();
    }
  }
}
