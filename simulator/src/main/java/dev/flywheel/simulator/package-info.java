/** The behaviour simulator: a world of users and items that plays the application and its users. */
package dev.flywheel.simulator;
