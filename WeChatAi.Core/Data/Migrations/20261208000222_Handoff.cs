using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace WeChatAi.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class Handoff : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "handoff_sessions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    AppId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    OpenId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    OpenedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    OpenedBy = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    Assignee = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    LastActivityAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    FirstReplyAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    Unread = table.Column<int>(type: "integer", nullable: false),
                    LastPreview = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    LastMessageAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    NotifiedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    ClosedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    ClosedBy = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    CloseReason = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_handoff_sessions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "handoff_messages",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    SessionId = table.Column<long>(type: "bigint", nullable: false),
                    AppId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    OpenId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Key = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Operator = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    Text = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: false),
                    Media = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Delivery = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    ErrCode = table.Column<int>(type: "integer", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_handoff_messages", x => x.Id);
                    table.ForeignKey(
                        name: "FK_handoff_messages_handoff_sessions_SessionId",
                        column: x => x.SessionId,
                        principalTable: "handoff_sessions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_handoff_messages_AppId_Key",
                table: "handoff_messages",
                columns: new[] { "AppId", "Key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_handoff_messages_SessionId_Id",
                table: "handoff_messages",
                columns: new[] { "SessionId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_handoff_sessions_AppId_OpenId",
                table: "handoff_sessions",
                columns: new[] { "AppId", "OpenId" },
                unique: true,
                filter: "\"ClosedAt\" IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_handoff_sessions_OpenedAt",
                table: "handoff_sessions",
                column: "OpenedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "handoff_messages");

            migrationBuilder.DropTable(
                name: "handoff_sessions");
        }
    }
}
