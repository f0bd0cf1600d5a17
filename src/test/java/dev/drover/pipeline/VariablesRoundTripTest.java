package dev.drover.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drover.config.DroverConfig;
import dev.drover.pipeline.template.ScriptTemplate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A job's variables as they come back from the journal or from another node: read by Pekko's
 * CBOR mapper with Drover's settings, lists and maps stay Java lists and maps, so templates
 * render them as they did before the round trip.
 */
class VariablesRoundTripTest {

  private static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create("variables", DroverConfig.load()
        .withValue("pekko.actor.provider",
            com.typesafe.config.ConfigValueFactory.fromAnyRef("local")));
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void listsAndMapsInVariablesComeBackAsJavaCollectionsAndRenderAlike() throws Exception {
    // given a schedule request whose variables hold a list and a nested map
    Map<String, Object> variables = Map.of("name", "Drover", "items", List.of("a", "b"),
        "nested", Map.of("xs", List.of(1, 2)));
    PipelineApi.ScheduleRequest request =
        new PipelineApi.ScheduleRequest("templates", variables, null, "alice");
    ObjectMapper cbor =
        JacksonObjectMapperProvider.get(kit.system()).getOrCreate("jackson-cbor", Optional.empty());

    // when it goes through the journal's or the wire's serializer
    PipelineApi.ScheduleRequest back =
        cbor.readValue(cbor.writeValueAsBytes(request), PipelineApi.ScheduleRequest.class);

    // then its values are Java collections, equal to what was sent
    assertThat(back.variables().get("items")).isInstanceOf(List.class).isEqualTo(List.of("a", "b"));
    assertThat(back.variables()).isEqualTo(variables);
    // and a template ranges over the list as before (not over a Scala list's properties)
    ScriptTemplate template = ScriptTemplate.parse("{{ range .items }}item {{ . }} {{ end }}");
    java.util.UUID job = java.util.UUID.fromString("5e1f0b4c-2d3a-4b5c-8d6e-7f8091a2b3c4");
    assertThat(template.render(back.variables(), job, false)).isEqualTo("item a item b ");
  }
}
