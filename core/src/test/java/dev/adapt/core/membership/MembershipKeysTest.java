package dev.adapt.core.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MembershipKeysTest {
  private final MembershipKeys keys = new MembershipKeys("resnet");

  @Test
  void keysFollowTheSchema() {
    assertThat(keys.worker("w-1")).isEqualTo("/adapt/pipelines/resnet/workers/w-1");
    assertThat(keys.assignment("w-1")).isEqualTo("/adapt/pipelines/resnet/assignments/w-1");
    assertThat(keys.plan()).isEqualTo("/adapt/pipelines/resnet/plan");
    assertThat(keys.spec()).isEqualTo("/adapt/pipelines/resnet/spec");
    assertThat(keys.loadFailure()).isEqualTo("/adapt/pipelines/resnet/loadFailure");
  }

  @Test
  void parsingInvertsTheSchemaAndIgnoresForeignKeys() {
    assertThat(keys.parse(keys.worker("a.b")))
        .contains(new MembershipKeys.Key(MembershipKeys.Kind.WORKER, "a.b"));
    assertThat(keys.parse(keys.assignment("x")))
        .contains(new MembershipKeys.Key(MembershipKeys.Kind.ASSIGNMENT, "x"));
    assertThat(keys.parse(keys.plan()))
        .map(MembershipKeys.Key::kind)
        .contains(MembershipKeys.Kind.PLAN);
    assertThat(keys.parse(keys.loadFailure()))
        .map(MembershipKeys.Key::kind)
        .contains(MembershipKeys.Kind.LOAD_FAILURE);
    assertThat(keys.parse("/adapt/pipelines/other/plan")).isEmpty();
    assertThat(keys.parse("/adapt/pipelines/resnet/workers/a/b")).isEmpty();
    assertThat(keys.parse("/adapt/pipelines/resnet/planx")).isEmpty();
  }

  @Test
  void idsThatWouldBreakTheSchemaAreRejected() {
    assertThatThrownBy(() -> keys.worker("a/b")).hasMessageContaining("invalid id 'a/b'");
    assertThatThrownBy(() -> new MembershipKeys("")).hasMessageContaining("invalid id ''");
    assertThatThrownBy(() -> new Assignment("ok", -2, 1)).hasMessageContaining("-1 for standby");
  }

  @Test
  void recordsRoundTripThroughJson() {
    WorkerRecord worker =
        new WorkerRecord("w", "h:1", "GPU:Tesla T4", WorkerState.LOADING, List.of("a", "b"), 2, 9);
    PlanRecord plan =
        new PlanRecord(
            3,
            "m",
            "h",
            List.of("c"),
            List.of(new PlanStage(0, "in", "c", 1, 2, 3, "s")),
            null,
            null);
    SpecRecord spec = new SpecRecord("m", "serving_default", List.of("c"), null, 4);
    LoadFailureRecord failure = new LoadFailureRecord(4, "m", "p-dispatcher-0", "no SavedModel");

    assertThat(MembershipJson.read("k", MembershipJson.write(worker), WorkerRecord.class))
        .isEqualTo(worker);
    assertThat(MembershipJson.read("k", MembershipJson.write(plan), PlanRecord.class))
        .isEqualTo(plan);
    assertThat(MembershipJson.read("k", MembershipJson.write(spec), SpecRecord.class))
        .isEqualTo(spec);
    assertThat(MembershipJson.read("k", MembershipJson.write(failure), LoadFailureRecord.class))
        .isEqualTo(failure);
    LoadFailureRecord internal = LoadFailureRecord.internal(4, "m", "p-dispatcher-0", "a bug");
    assertThat(MembershipJson.read("k", MembershipJson.write(internal), LoadFailureRecord.class))
        .isEqualTo(internal);
    // What a dispatcher wrote before failures were typed: a model that cannot be loaded.
    byte[] older =
        "{\"generation\":4,\"model\":\"m\",\"dispatcher\":\"p-dispatcher-0\",\"error\":\"no SavedModel\"}"
            .getBytes(StandardCharsets.UTF_8);
    assertThat(MembershipJson.read("k", older, LoadFailureRecord.class)).isEqualTo(failure);
    assertThat(new String(MembershipJson.write(Assignment.standby("w", 2)), StandardCharsets.UTF_8))
        .isEqualTo("{\"workerId\":\"w\",\"stage\":-1,\"planGeneration\":2}");
  }

  @Test
  void workerJsonHasExactlyTheFieldsOfTheSchema() throws Exception {
    WorkerRecord worker =
        new WorkerRecord("w", "h:1", "CPU", WorkerState.READY, List.of("a"), 0, 9);

    var json =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(MembershipJson.write(worker));

    assertThat(json.fieldNames())
        .toIterable()
        .containsExactlyInAnyOrder(
            "workerId", "address", "device", "state", "sliceSha256", "outstanding", "startedAt");
  }

  @Test
  void malformedJsonNamesTheKeyAndTheValue() {
    byte[] value = "{\"workerId\":\"w\",\"state\":\"SLEEPING\"}".getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> MembershipJson.read("/adapt/x", value, WorkerRecord.class))
        .isInstanceOf(MembershipJson.MalformedRecordException.class)
        .hasMessageContaining("/adapt/x")
        .hasMessageContaining("SLEEPING");
  }
}
