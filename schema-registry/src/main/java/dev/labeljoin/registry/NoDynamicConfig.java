package dev.labeljoin.registry;

import io.apicurio.common.apps.config.DynamicConfigPropertyList;
import java.util.List;
import javax.enterprise.context.ApplicationScoped;
import javax.enterprise.inject.Produces;

/**
 * Apicurio builds the list of its run-time changeable properties in a Quarkus
 * build step whose module is not on Maven Central. labeljoin's local registry
 * changes no property at run time, so it gets an empty list.
 */
@ApplicationScoped
public class NoDynamicConfig {
  @Produces
  @ApplicationScoped
  DynamicConfigPropertyList dynamicConfigProperties() {
    return new DynamicConfigPropertyList(List.of());
  }
}
